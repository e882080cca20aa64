package store

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/amika-dev/amika/internal/sessionbus"
)

// Choice is which backend AMIKA_STORE and the machine select, and why.
type Choice struct {
	Backend   string // "keyring", "file" or "pass"
	Requested string // AMIKA_STORE's value: "keyring", "file", "pass" or "auto"
	Reason    string
	// FellBack is set when auto wanted the keyring, found none, and chose the file.
	FellBack bool
	// Foreign is set when the session bus found belongs to another user: it is not used,
	// and the user is told even where nothing is written.
	Foreign bool
}

// probeTimeout bounds how long auto waits for the Secret Service before using the file.
const probeTimeout = 300 * time.Millisecond

// explicitTimeout bounds connecting to the keyring when AMIKA_STORE=keyring asks for it.
const explicitTimeout = 5 * time.Second

// choose reads AMIKA_STORE (keyring, file or auto; empty means auto) and, when the keyring
// is wanted, checks that it answers within a bounded time. It never opens D-Bus for
// AMIKA_STORE=file.
func choose(getenv func(string) string) (Choice, error) {
	mode := strings.TrimSpace(getenv("AMIKA_STORE"))
	switch mode {
	case "file":
		return Choice{Backend: "file", Requested: mode, Reason: "AMIKA_STORE=file"}, nil
	case "pass":
		return Choice{Backend: "pass", Requested: mode, Reason: "AMIKA_STORE=pass"}, nil
	case "keyring":
		where, err := probeKeyring(getenv, explicitTimeout)
		if err != nil {
			return Choice{Requested: mode}, fmt.Errorf("keyring: AMIKA_STORE=keyring, but %v (AMIKA_STORE=file uses the file store)", err)
		}
		return Choice{Backend: "keyring", Requested: mode, Reason: "AMIKA_STORE=keyring: " + where}, nil
	case "", "auto":
		where, err := probeKeyring(getenv, probeTimeout)
		if err != nil {
			var fe *sessionbus.ForeignError
			return Choice{Backend: "file", Requested: "auto", FellBack: true, Foreign: errors.As(err, &fe), Reason: "AMIKA_STORE=auto: no keyring: " + err.Error()}, nil
		}
		return Choice{Backend: "keyring", Requested: "auto", Reason: "AMIKA_STORE=auto: " + where}, nil
	}
	return Choice{}, errors.New("AMIKA_STORE: want keyring, file, pass or auto")
}

// probeKeyring says where the keyring answers, or why it does not.
func probeKeyring(getenv func(string) string, timeout time.Duration) (string, error) {
	switch runtime.GOOS {
	case "darwin":
		return "macOS Keychain", nil
	case "windows":
		return "Windows Credential Manager", nil
	}
	addr, err := sessionbus.Address(getenv)
	if err != nil {
		return "", err
	}
	deadline := time.Now().Add(timeout)
	type result struct {
		where string
		err   error
	}
	done := make(chan result, 1)
	go func() {
		// The connection every later call goes over, its peer checked on it.
		conn, err := sessionbus.Connect(addr, deadline)
		if err != nil {
			done <- result{err: err}
			return
		}
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		defer cancel()
		where := "Secret Service on " + sessionbus.Redact(addr)
		if getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" && runtime.GOOS == "linux" {
			// Without a display nothing can ask for the keyring's password: a locked keyring
			// (or one that does not exist yet) would leave every read waiting for a prompt
			// nobody sees, as on an SSH session to a server with gnome-keyring installed.
			// Whether the collection amika writes to is locked answers both whether a Secret
			// Service exists and whether it is usable.
			if err := unlockedCollection(ctx, conn); err != nil {
				done <- result{err: err}
				return
			}
			done <- result{where: where}
			return
		}
		bus := conn.BusObject()
		var owned bool
		if err := bus.CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, secretsName).Store(&owned); err != nil {
			done <- result{err: fmt.Errorf("the D-Bus session bus did not answer: %v", err)}
			return
		}
		if !owned {
			// Not running yet, but the bus may start it on the first call (D-Bus activation,
			// as on most desktops). Starting can take longer than the probe may wait, and the
			// choice must not depend on that timing.
			var names []string
			if err := bus.CallWithContext(ctx, "org.freedesktop.DBus.ListActivatableNames", 0).Store(&names); err != nil {
				done <- result{err: fmt.Errorf("the D-Bus session bus did not answer: %v", err)}
				return
			}
			activatable := false
			for _, n := range names {
				activatable = activatable || n == secretsName
			}
			if !activatable {
				done <- result{err: errNoService}
				return
			}
			where += " (started on demand)"
		}
		// Asking the service itself on every command would cost a round trip through it;
		// reads carry their own deadline instead.
		done <- result{where: where}
	}()
	select {
	case r := <-done:
		return r.where, r.err
	case <-time.After(time.Until(deadline)):
		return "", fmt.Errorf("the D-Bus session bus did not answer within %v", timeout)
	}
}

const secretsName = "org.freedesktop.secrets"

var errNoService = errors.New("no Secret Service on the D-Bus session bus (" + secretsName + " is neither running nor activatable)")

// unlockedCollection checks that the collection amika writes to exists and is unlocked.
func unlockedCollection(ctx context.Context, conn *dbus.Conn) error {
	path, err := storeCollection(ctx, conn)
	var locked bool
	if err == nil {
		locked, err = lockedProperty(ctx, conn, path)
	}
	var derr dbus.Error
	switch {
	case errors.Is(err, errNoDefault):
		return err
	case errors.As(err, &derr) && derr.Name == "org.freedesktop.DBus.Error.ServiceUnknown":
		return errNoService
	case errors.As(err, &derr) && (strings.Contains(derr.Name, "Unknown") || strings.HasSuffix(derr.Name, "NoSuchObject")):
		return errNoDefault
	case err != nil:
		return fmt.Errorf("the Secret Service failed to answer: %v", err)
	}
	if locked {
		return errors.New("the keyring is locked, and without a display nothing can ask for its password")
	}
	return nil
}

var errNoDefault = errors.New("the keyring has no default collection, and without a display none can be created")

const (
	servicePath     = dbus.ObjectPath("/org/freedesktop/secrets")
	loginCollection = dbus.ObjectPath("/org/freedesktop/secrets/collection/login")
	serviceIface    = "org.freedesktop.Secret.Service"
	collectionIface = "org.freedesktop.Secret.Collection"
)

// storeCollection is the path of the collection amika keeps its items in: the login
// collection when the service has one, else the one the default alias names. A service that
// cannot list its collections is an error, not a reason to write to whatever the default is
// at that moment.
//
// It asks in the way gnome-keyring answers safely while many clients start at once:
//   - gnome-keyring registers a client from an idle callback that can run after the
//     client's first call has been handled, and a read of a collection's property in that
//     window makes the daemon abort (OpenSession too). Its Collections property does not
//     need the client's record, and once that answer is back the record exists.
//   - gnome-keyring rewrites a call to an alias path on a thread of its own, while new
//     clients make it replace the alias: such a call lands on a garbled path ("Object does
//     not exist") or crashes the daemon. So no call goes to an alias path; ReadAlias is
//     answered where the alias is kept.
func storeCollection(ctx context.Context, conn *dbus.Conn) (dbus.ObjectPath, error) {
	svc := conn.Object(secretsName, servicePath)
	var v dbus.Variant
	if err := svc.CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, serviceIface, "Collections").Store(&v); err != nil {
		return "", err
	}
	if paths, ok := v.Value().([]dbus.ObjectPath); ok {
		for _, p := range paths {
			if p == loginCollection {
				return p, nil
			}
		}
	}
	var path dbus.ObjectPath
	if err := svc.CallWithContext(ctx, serviceIface+".ReadAlias", 0, "default").Store(&path); err != nil {
		return "", err
	}
	if path == "/" || !path.IsValid() {
		return "", errNoDefault
	}
	return path, nil
}

// lockedProperty is whether the collection at path is locked.
func lockedProperty(ctx context.Context, conn *dbus.Conn, path dbus.ObjectPath) (bool, error) {
	var locked dbus.Variant
	err := conn.Object(secretsName, path).
		CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, collectionIface, "Locked").Store(&locked)
	b, _ := locked.Value().(bool)
	return b, err
}
