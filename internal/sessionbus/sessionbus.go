//go:build unix && !darwin && !solaris

// Package sessionbus is amika's one connection to the D-Bus session bus, and only to a bus
// of the user's own. An environment inherited from another user (su without -, a sudo that
// keeps XDG_RUNTIME_DIR) would otherwise have amika store this user's secrets in that
// user's keyring and read the keys that user planted there.
//
// Before connecting, a bus socket given by path ($XDG_RUNTIME_DIR/bus, or unix:path= in
// DBUS_SESSION_BUS_ADDRESS) must be a socket of the effective user's, as GLib requires of
// $XDG_RUNTIME_DIR/bus, in a directory of the user's or root's (/tmp, where dbus-launch
// puts it), on a path no other user can change (safefile.Trusted). Then amika connects
// once, and on that very connection asks the kernel who listens (SO_PEERCRED,
// LOCAL_PEERCRED), as sd-bus does: the bus must run as the effective user, or as root when
// the user is not root. The checked connection is the one every D-Bus call of the process
// goes over (Conn): a path another user could swap between a check and a second dial, or
// an abstract socket another user could bind once the user's bus is gone, never comes
// into it.
//
// Transports whose other end cannot be checked (tcp:, nonce-tcp:, unixexec:) are not used.
// A bus that fails a check is no bus: callers fall back (the store to its file), saying why.
package sessionbus

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/amika-dev/amika/internal/safefile"
)

// ForeignError is a session bus that is not the user's.
type ForeignError struct{ msg string }

func (e *ForeignError) Error() string { return e.msg }

func foreign(format string, args ...any) error {
	return &ForeignError{fmt.Sprintf(format, args...) + "; amika does not use another user's bus"}
}

// ErrNoBus is the absence of any session bus address.
var ErrNoBus = errors.New("no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set")

// Address is the session bus address amika may connect to: DBUS_SESSION_BUS_ADDRESS, else
// $XDG_RUNTIME_DIR/bus when it is a socket, narrowed to the first of its addresses that
// passes the owner checks that can be made before connecting.
func Address(getenv func(string) string) (string, error) {
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
		return "", ErrNoBus
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
		first = ErrNoBus
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
	// The whole way there, not the last directory only: another user's directory (or
	// symlink) earlier in the path could point the path elsewhere at any time.
	if err := safefile.Trusted(dir); err != nil {
		return foreign("the path of the D-Bus session bus socket %s is not the user's: %v", socket, err)
	}
	// A socket reached through a symlink: the link, and the way to where it leads, too.
	if li, err := os.Lstat(socket); err == nil && li.Mode()&fs.ModeSymlink != 0 {
		if uid, ok := ownerOf(li); ok && uid != me && uid != 0 {
			return foreign("the D-Bus session bus socket %s is a symlink of uid %d's", socket, uid)
		}
		if resolved, err := filepath.EvalSymlinks(socket); err == nil {
			if err := safefile.Trusted(filepath.Dir(resolved)); err != nil {
				return foreign("the path of the D-Bus session bus socket %s is not the user's: %v", socket, err)
			}
		}
	}
	return nil
}

// dial connects to the bus socket of entry, checks from the kernel's account of who
// listens on that connection that the bus runs as the effective user (or as root, for a
// user other than root), then authenticates and says Hello on it, all before deadline.
func dial(entry string, deadline time.Time) (*dbus.Conn, error) {
	socket, err := busSocket(entry)
	if err != nil {
		return nil, err
	}
	d := net.Dialer{Deadline: deadline}
	c, err := d.Dial("unix", socket)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to the D-Bus session bus: %v", unwrapPathError(err))
	}
	uc := c.(*net.UnixConn)
	uid, ok, err := peerUID(uc)
	if err != nil {
		uc.Close()
		return nil, fmt.Errorf("cannot tell who runs the D-Bus session bus at %s: %v", Redact(entry), err)
	}
	if me := os.Geteuid(); ok && uid != me && uid != 0 {
		uc.Close()
		return nil, foreign("the D-Bus session bus at %s is run by uid %d, not by uid %d", Redact(entry), uid, me)
	}
	uc.SetDeadline(deadline) // authentication and Hello read from the socket
	conn, err := dbus.ConnectUnix(uc)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to the D-Bus session bus: %v", err)
	}
	uc.SetDeadline(time.Time{}) // calls carry their own deadlines from here
	return conn, nil
}

var (
	mu     sync.Mutex
	shared *dbus.Conn
)

// Connect connects to entry (an address Address returned) as dial does, before deadline,
// and makes the connection the one Conn returns. A connection already made is kept.
func Connect(entry string, deadline time.Time) (*dbus.Conn, error) {
	mu.Lock()
	defer mu.Unlock()
	if shared != nil && shared.Connected() {
		return shared, nil
	}
	conn, err := dial(entry, deadline)
	if err != nil {
		return nil, err
	}
	shared = conn
	return conn, nil
}

// connectTimeout bounds Conn's own connecting, when nothing connected before.
const connectTimeout = 5 * time.Second

// Conn is the process's checked connection to the session bus: the one Connect made, or
// else one made now to the bus the process environment names. Every D-Bus call amika
// makes goes over it.
func Conn() (*dbus.Conn, error) {
	mu.Lock()
	conn := shared
	mu.Unlock()
	if conn != nil && conn.Connected() {
		return conn, nil
	}
	addr, err := Address(os.Getenv)
	if err != nil {
		return nil, err
	}
	return Connect(addr, time.Now().Add(connectTimeout))
}

// Redact drops the guid and other parameters that say nothing to a person.
func Redact(addr string) string {
	first, _, _ := strings.Cut(addr, ";")
	if i := strings.Index(first, ",guid="); i >= 0 {
		first = first[:i]
	}
	return first
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
