package sessionbus

import "golang.org/x/sys/unix"

// sockPeerUID asks Linux for the peer's credentials (SO_PEERCRED).
func sockPeerUID(fd int) (int, error) {
	cred, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		return 0, err
	}
	return int(cred.Uid), nil
}
