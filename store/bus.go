//go:build unix

package store

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"
)

// amika talks to the Secret Service only on a session bus of the user's own. An environment
// inherited from another user (su without -, a sudo that keeps XDG_RUNTIME_DIR) would
// otherwise store this user's secrets in that user's keyring and read the keys that user
// planted there. Two checks, before any D-Bus message is sent:
//
//   - a bus socket given by path ($XDG_RUNTIME_DIR/bus, or unix:path= in
//     DBUS_SESSION_BUS_ADDRESS) must be a socket of the effective user's, as GLib requires
//     of $XDG_RUNTIME_DIR/bus, in a directory of the user's or root's (/tmp, where
//     dbus-launch puts it);
//   - whatever the address form (unix:path=, unix:abstract=), the process at the other end
//     of the socket must run as the effective user or as root, as the kernel reports it
//     (SO_PEERCRED), as sd-bus checks: this covers abstract sockets, which have no owner to
//     look at, and a socket another user swapped in where it could (a /tmp without its
//     sticky bit).
//
// Transports whose other end cannot be checked (tcp:, nonce-tcp:, unixexec:) are not used.
// A bus that fails a check is no bus: auto falls back to the file store, saying why.

// foreignBusError is a session bus that is not the user's.
type foreignBusError struct{ msg string }

func (e *foreignBusError) Error() string { return e.msg }

func foreign(format string, args ...any) error {
	return &foreignBusError{fmt.Sprintf(format, args...) + "; amika does not use another user's bus"}
}

var errNoBus = errors.New("no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set")

// sessionBusAddress is the session bus address amika may connect to: DBUS_SESSION_BUS_ADDRESS,
// else $XDG_RUNTIME_DIR/bus when it is a socket, narrowed to the first of its addresses
// that passes the owner checks that can be made before connecting.
func sessionBusAddress(getenv func(string) string) (string, error) {
	addr := getenv("DBUS_SESSION_BUS_ADDRESS")
	if strings.HasPrefix(addr, "autolaunch:") || strings.HasPrefix(addr, "disabled:") {
		addr = "" // never start a bus (dbus-launch) just to look for a keyring
	}
	if addr == "" {
		// What GLib, sd-bus and godbus fall back to; never let godbus try dbus-launch.
		if rt := getenv("XDG_RUNTIME_DIR"); rt != "" {
			bus := filepath.Join(rt, "bus")
			if fi, err := os.Stat(bus); err == nil && fi.Mode()&fs.ModeSocket != 0 {
				addr = "unix:path=" + dbus.EscapeBusAddressValue(bus)
			}
		}
	}
	if addr == "" {
		return "", errNoBus
	}
	var first error
	for _, entry := range strings.Split(addr, ";") {
		if entry == "" {
			continue
		}
		err := checkAddress(entry)
		if err == nil {
			return entry, nil
		}
		if first == nil {
			first = err
		}
	}
	if first == nil {
		first = errNoBus
	}
	return "", first
}

// busSocket is the socket a unix: address names: a path, or "@name" for an abstract one.
func busSocket(entry string) (string, error) {
	transport, params, _ := strings.Cut(entry, ":")
	if transport != "unix" {
		return "", fmt.Errorf("the D-Bus session bus address uses %s:, where amika cannot tell who is at the other end; it uses unix sockets only", transport)
	}
	for _, kv := range strings.Split(params, ",") {
		key, value, _ := strings.Cut(kv, "=")
		value, err := dbus.UnescapeBusAddressValue(value)
		if err != nil {
			return "", fmt.Errorf("the D-Bus session bus address cannot be parsed: %v", err)
		}
		switch key {
		case "path":
			return value, nil
		case "abstract":
			return "@" + value, nil
		}
	}
	return "", errors.New("the D-Bus session bus address names no socket (unix: without path= or abstract=)")
}

// checkAddress makes the checks that can be made before connecting to one address.
func checkAddress(entry string) error {
	socket, err := busSocket(entry)
	if err != nil || strings.HasPrefix(socket, "@") {
		return err
	}
	fi, err := os.Stat(socket)
	if err != nil {
		return fmt.Errorf("no D-Bus session bus at %s: %v", socket, unwrapPathError(err))
	}
	if fi.Mode()&fs.ModeSocket == 0 {
		return fmt.Errorf("no D-Bus session bus at %s: it is not a socket", socket)
	}
	me := os.Geteuid()
	if uid, ok := ownerOf(fi); ok && uid != me {
		return foreign("the D-Bus session bus socket %s belongs to uid %d, not to uid %d", socket, uid, me)
	}
	dir := filepath.Dir(socket)
	di, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("no D-Bus session bus at %s: %v", socket, unwrapPathError(err))
	}
	if uid, ok := ownerOf(di); ok && uid != me && uid != 0 {
		return foreign("the directory of the D-Bus session bus socket %s belongs to uid %d, not to uid %d", socket, uid, me)
	}
	return nil
}

// checkPeer connects to the bus socket of entry and checks, from the kernel's account of
// who listens on it, that the bus runs as the effective user or as root.
func checkPeer(entry string, deadline time.Time) error {
	socket, err := busSocket(entry)
	if err != nil {
		return err
	}
	d := net.Dialer{Deadline: deadline}
	c, err := d.Dial("unix", socket)
	if err != nil {
		return fmt.Errorf("cannot connect to the D-Bus session bus: %v", unwrapPathError(err))
	}
	defer c.Close()
	uid, ok, err := peerUID(c.(*net.UnixConn))
	if err != nil {
		return fmt.Errorf("cannot tell who runs the D-Bus session bus at %s: %v", redactAddr(entry), err)
	}
	if me := os.Geteuid(); ok && uid != me && uid != 0 {
		return foreign("the D-Bus session bus at %s is run by uid %d, not by uid %d", redactAddr(entry), uid, me)
	}
	return nil
}

func ownerOf(fi fs.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		var se *os.SyscallError
		if errors.As(oe.Err, &se) {
			return se.Err
		}
		return oe.Err
	}
	return err
}
