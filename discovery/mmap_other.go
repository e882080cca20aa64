//go:build !unix

package discovery

import (
	"errors"
	"os"
)

// mapFile is not available here: big files are read like small ones.
func mapFile(*os.File, int64) ([]byte, func(), error) {
	return nil, nil, errors.New("no mmap")
}
