package sessionbus

import "golang.org/x/sys/unix"

// sockPeerUID asks FreeBSD for the peer's credentials (LOCAL_PEERCRED).
func sockPeerUID(fd int) (int, error) {
	cred, err := unix.GetsockoptXucred(fd, unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
	if err != nil {
		return 0, err
	}
	return int(cred.Uid), nil
}
