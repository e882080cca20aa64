//go:build linux || freebsd

package sessionbus

import "net"

// peerUID is the uid of the process at the other end of c, as the kernel recorded it when
// that process created its socket (sockPeerUID says how each kernel is asked).
func peerUID(c *net.UnixConn) (uid int, ok bool, err error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return 0, false, err
	}
	cerr := raw.Control(func(fd uintptr) { uid, err = sockPeerUID(int(fd)) })
	if cerr != nil {
		return 0, false, cerr
	}
	if err != nil {
		return 0, false, err
	}
	return uid, true, nil
}
