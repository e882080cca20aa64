//go:build unix && !linux && !freebsd && !darwin && !solaris

package sessionbus

import "net"

// peerUID cannot ask the kernel here; the socket's and directory's owners are still checked.
func peerUID(*net.UnixConn) (int, bool, error) { return 0, false, nil }
