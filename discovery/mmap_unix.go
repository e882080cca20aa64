//go:build unix

package discovery

import (
	"os"
	"syscall"
)

// mapFile maps size bytes of f read-only; release unmaps them.
func mapFile(f *os.File, size int64) (data []byte, release func(), err error) {
	m, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		return nil, nil, err
	}
	return m, func() { syscall.Munmap(m) }, nil
}
