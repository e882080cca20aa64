//go:build (dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd

package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
	ss "github.com/zalando/go-keyring/secret_service"

	"github.com/amika-dev/amika/internal/sessionbus"
)

// amika speaks to the Secret Service itself, over the one connection sessionbus checked
// (the bus is the user's, its peer checked on that very connection): go-keyring would dial
// the bus again by its address, which another user could have pointed elsewhere in between.
// Items are go-keyring's: attributes service and username, in the login collection (or
// the default one), labelled "Password for 'USER' on 'amika'", so either reads the other's.

const (
	servicePath      = dbus.ObjectPath("/org/freedesktop/secrets")
	serviceIface     = "org.freedesktop.Secret.Service"
	collectionIface  = "org.freedesktop.Secret.Collection"
	itemIface        = "org.freedesktop.Secret.Item"
	promptIface      = "org.freedesktop.Secret.Prompt"
	loginCollection  = dbus.ObjectPath("/org/freedesktop/secrets/collection/login")
	defaultAlias     = dbus.ObjectPath("/org/freedesktop/secrets/aliases/default")
	loginItemsPrefix = string(loginCollection) + "/"
)

func platformItems() itemStore { return secretService{} }

type secretService struct{}

// call is one Secret Service call bounded by ctx; a call that runs out of time says so.
func call(ctx context.Context, limit time.Duration, obj dbus.BusObject, method string, out []any, args ...any) error {
	err := obj.CallWithContext(ctx, method, 0, args...).Store(out...)
	if ctx.Err() != nil {
		return fmt.Errorf("no answer within %v", limit)
	}
	return err
}

// fastGet reads one item of the login collection in three calls (SearchItems, OpenSession,
// GetSecrets) where the general path makes seven: it is what `amika secret get` and
// discovery wait on. It reports handled=false, and the caller takes the general path, for
// anything out of the ordinary: a locked item (which may need a prompt), an item outside
// the login collection, or any D-Bus error.
func fastGet(conn *dbus.Conn, user string) (value string, handled bool, err error) {
	// A Secret Service that stopped answering must not hang amika: the reads that matter
	// for speed carry a deadline, and a timeout is an error, not a reason to try the path
	// that may wait on a prompt.
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	svc := conn.Object(secretsName, servicePath)
	var unlocked, locked []dbus.ObjectPath
	if err := call(ctx, readTimeout, svc, serviceIface+".SearchItems", []any{&unlocked, &locked}, attributes(user)); err != nil {
		return "", ctx.Err() != nil, err
	}
	var item dbus.ObjectPath
	for _, p := range unlocked {
		if strings.HasPrefix(string(p), loginItemsPrefix) {
			item = p
			break
		}
	}
	if item == "" {
		if len(unlocked) == 0 && len(locked) == 0 {
			return "", true, ErrNotFound
		}
		return "", false, nil
	}
	session, err := openSession(ctx, readTimeout, conn)
	if err != nil {
		return "", ctx.Err() != nil, err
	}
	defer closeSession(conn, session)
	var secrets map[dbus.ObjectPath]ss.Secret
	if err := call(ctx, readTimeout, svc, serviceIface+".GetSecrets", []any{&secrets}, []dbus.ObjectPath{item}, session); err != nil {
		return "", ctx.Err() != nil, err
	}
	s, ok := secrets[item]
	if !ok {
		return "", false, nil
	}
	return string(s.Value), true, nil
}

func attributes(user string) map[string]string {
	return map[string]string{"service": Service, "username": user}
}

func openSession(ctx context.Context, limit time.Duration, conn *dbus.Conn) (dbus.ObjectPath, error) {
	var ignored dbus.Variant
	var session dbus.ObjectPath
	err := call(ctx, limit, conn.Object(secretsName, servicePath), serviceIface+".OpenSession", []any{&ignored, &session}, "plain", dbus.MakeVariant(""))
	return session, err
}

// closeSession needs no answer; the service also drops a session when its client leaves.
func closeSession(conn *dbus.Conn, session dbus.ObjectPath) {
	conn.Object(secretsName, session).Go("org.freedesktop.Secret.Session.Close", dbus.FlagNoReplyExpected, nil)
}

// collection is the login collection when the service has one, else the default. A
// service that cannot list its collections is an error, not a reason to write to whatever
// the default is at that moment.
func collection(ctx context.Context, limit time.Duration, conn *dbus.Conn) (dbus.BusObject, error) {
	var v dbus.Variant
	if err := call(ctx, limit, conn.Object(secretsName, servicePath), "org.freedesktop.DBus.Properties.Get", []any{&v}, serviceIface, "Collections"); err != nil {
		return nil, err
	}
	path := defaultAlias
	if paths, ok := v.Value().([]dbus.ObjectPath); ok {
		for _, p := range paths {
			if p == loginCollection {
				path = loginCollection
			}
		}
	}
	return conn.Object(secretsName, path), nil
}

// unlock unlocks a collection or an item, through the service's prompt when it asks for one
// (a password dialog, with a display).
func unlock(ctx context.Context, limit time.Duration, conn *dbus.Conn, path dbus.ObjectPath) error {
	var unlocked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	if err := call(ctx, limit, conn.Object(secretsName, servicePath), serviceIface+".Unlock", []any{&unlocked, &prompt}, []dbus.ObjectPath{path}); err != nil {
		return err
	}
	dismissed, result, err := runPrompt(ctx, limit, conn, prompt)
	if err != nil {
		return err
	}
	if paths, ok := result.Value().([]dbus.ObjectPath); ok {
		unlocked = append(unlocked, paths...)
	}
	if dismissed || len(unlocked) != 1 || path != defaultAlias && unlocked[0] != path {
		return fmt.Errorf("failed to unlock %s", path)
	}
	return nil
}

// runPrompt shows the prompt a call returned ("/" for none) and waits for its answer.
func runPrompt(ctx context.Context, limit time.Duration, conn *dbus.Conn, prompt dbus.ObjectPath) (dismissed bool, result dbus.Variant, err error) {
	if prompt == "/" || prompt == "" {
		return false, dbus.MakeVariant(""), nil
	}
	match := []dbus.MatchOption{dbus.WithMatchObjectPath(prompt), dbus.WithMatchInterface(promptIface)}
	if err := conn.AddMatchSignalContext(ctx, match...); err != nil {
		return false, result, err
	}
	defer conn.RemoveMatchSignal(match...)
	signals := make(chan *dbus.Signal, 4)
	conn.Signal(signals)
	defer conn.RemoveSignal(signals)
	if err := call(ctx, limit, conn.Object(secretsName, prompt), promptIface+".Prompt", nil, ""); err != nil {
		return false, result, err
	}
	for {
		select {
		case <-ctx.Done():
			return false, result, fmt.Errorf("no answer within %v", limit)
		case sig, ok := <-signals:
			if !ok {
				return false, result, fmt.Errorf("the D-Bus session bus closed the connection")
			}
			if sig.Path != prompt || sig.Name != promptIface+".Completed" || len(sig.Body) < 2 {
				continue
			}
			dismissed, _ := sig.Body[0].(bool)
			result, _ := sig.Body[1].(dbus.Variant)
			return dismissed, result, nil
		}
	}
}

// find is the first item of service amika under user in the (unlocked) collection.
func find(ctx context.Context, limit time.Duration, conn *dbus.Conn, user string) (dbus.ObjectPath, error) {
	coll, err := collection(ctx, limit, conn)
	if err != nil {
		return "", err
	}
	if err := unlock(ctx, limit, conn, coll.Path()); err != nil {
		return "", err
	}
	var items []dbus.ObjectPath
	if err := call(ctx, limit, coll, collectionIface+".SearchItems", []any{&items}, attributes(user)); err != nil {
		return "", err
	}
	if len(items) == 0 {
		return "", ErrNotFound
	}
	return items[0], nil
}

func (secretService) get(user string) (string, error) {
	conn, err := sessionbus.Conn()
	if err != nil {
		return "", err
	}
	if v, handled, err := fastGet(conn, user); handled {
		return v, err
	}
	limit := callTimeout()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	item, err := find(ctx, limit, conn, user)
	if err != nil {
		return "", err
	}
	session, err := openSession(ctx, limit, conn)
	if err != nil {
		return "", err
	}
	defer closeSession(conn, session)
	if err := unlock(ctx, limit, conn, item); err != nil {
		return "", err
	}
	var secret ss.Secret
	if err := call(ctx, limit, conn.Object(secretsName, item), itemIface+".GetSecret", []any{&secret}, session); err != nil {
		return "", err
	}
	return string(secret.Value), nil
}

func (secretService) set(user, value string) error {
	conn, err := sessionbus.Conn()
	if err != nil {
		return err
	}
	limit := callTimeout()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	session, err := openSession(ctx, limit, conn)
	if err != nil {
		return err
	}
	defer closeSession(conn, session)
	coll, err := collection(ctx, limit, conn)
	if err != nil {
		return err
	}
	if err := unlock(ctx, limit, conn, coll.Path()); err != nil {
		return err
	}
	props := map[string]dbus.Variant{
		itemIface + ".Label":      dbus.MakeVariant(fmt.Sprintf("Password for '%s' on '%s'", user, Service)),
		itemIface + ".Attributes": dbus.MakeVariant(attributes(user)),
	}
	var item, prompt dbus.ObjectPath
	if err := call(ctx, limit, coll, collectionIface+".CreateItem", []any{&item, &prompt}, props, ss.NewSecret(session, value), true); err != nil {
		return err
	}
	_, _, err = runPrompt(ctx, limit, conn, prompt)
	return err
}

func (secretService) delete(user string) error {
	conn, err := sessionbus.Conn()
	if err != nil {
		return err
	}
	limit := callTimeout()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	item, err := find(ctx, limit, conn, user)
	if err != nil {
		return err
	}
	var prompt dbus.ObjectPath
	if err := call(ctx, limit, conn.Object(secretsName, item), itemIface+".Delete", []any{&prompt}); err != nil {
		return err
	}
	_, _, err = runPrompt(ctx, limit, conn, prompt)
	return err
}
