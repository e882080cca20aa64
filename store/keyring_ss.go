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
//
// An operation's first call is one gnome-keyring answers safely before it has registered
// the client (see storeCollection): the Collections property, or fastGet's SearchItems,
// which then fails rather than crash the daemon, and the general path follows.

const (
	itemIface        = "org.freedesktop.Secret.Item"
	promptIface      = "org.freedesktop.Secret.Prompt"
	loginItemsPrefix = string(loginCollection) + "/"
)

func platformItems() itemStore { return secretService{} }

type secretService struct{}

// op is one keyring operation: the checked connection, and the deadline all its calls share.
type op struct {
	conn  *dbus.Conn
	ctx   context.Context
	limit time.Duration
}

// begin starts an operation bounded by limit; the caller cancels it when done.
func begin(conn *dbus.Conn, limit time.Duration) (op, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	return op{conn: conn, ctx: ctx, limit: limit}, cancel
}

// connect starts a keyring write, or a read that may unlock, on the process's connection.
func connect() (op, context.CancelFunc, error) {
	conn, err := sessionbus.Conn()
	if err != nil {
		return op{}, nil, err
	}
	o, cancel := begin(conn, callTimeout())
	return o, cancel, nil
}

// call is one Secret Service call within the operation's time; a call that runs out of
// time says so.
func (o op) call(obj dbus.BusObject, method string, out []any, args ...any) error {
	err := obj.CallWithContext(o.ctx, method, 0, args...).Store(out...)
	if o.ctx.Err() != nil {
		return fmt.Errorf("no answer within %v", o.limit)
	}
	return err
}

func (o op) service() dbus.BusObject { return o.conn.Object(secretsName, servicePath) }

// fastGet reads one item of the login collection in three calls (SearchItems, OpenSession,
// GetSecrets) where the general path makes seven: it is what `amika secret get` and
// discovery wait on. It reports handled=false, and the caller takes the general path, for
// anything out of the ordinary: a locked item (which may need a prompt), an item outside
// the login collection, or any D-Bus error.
func fastGet(conn *dbus.Conn, user string) (value string, handled bool, err error) {
	// A Secret Service that stopped answering must not hang amika: the reads that matter
	// for speed carry a deadline, and a timeout is an error, not a reason to try the path
	// that may wait on a prompt.
	o, cancel := begin(conn, readTimeout)
	defer cancel()
	var unlocked, locked []dbus.ObjectPath
	if err := o.call(o.service(), serviceIface+".SearchItems", []any{&unlocked, &locked}, attributes(user)); err != nil {
		return "", o.ctx.Err() != nil, err
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
	session, err := o.openSession()
	if err != nil {
		return "", o.ctx.Err() != nil, err
	}
	defer o.closeSession(session)
	var secrets map[dbus.ObjectPath]ss.Secret
	if err := o.call(o.service(), serviceIface+".GetSecrets", []any{&secrets}, []dbus.ObjectPath{item}, session); err != nil {
		return "", o.ctx.Err() != nil, err
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

func (o op) openSession() (dbus.ObjectPath, error) {
	var ignored dbus.Variant
	var session dbus.ObjectPath
	err := o.call(o.service(), serviceIface+".OpenSession", []any{&ignored, &session}, "plain", dbus.MakeVariant(""))
	return session, err
}

// closeSession needs no answer; the service also drops a session when its client leaves.
func (o op) closeSession(session dbus.ObjectPath) {
	o.conn.Object(secretsName, session).Go("org.freedesktop.Secret.Session.Close", dbus.FlagNoReplyExpected, nil)
}

// collection is the collection amika keeps its items in (storeCollection).
func (o op) collection() (dbus.BusObject, error) {
	path, err := storeCollection(o.ctx, o.conn)
	if o.ctx.Err() != nil {
		return nil, fmt.Errorf("no answer within %v", o.limit)
	}
	if err != nil {
		return nil, err
	}
	return o.conn.Object(secretsName, path), nil
}

// unlock unlocks a collection or an item, through the service's prompt when it asks for one
// (a password dialog, with a display).
func (o op) unlock(path dbus.ObjectPath) error {
	var unlocked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	if err := o.call(o.service(), serviceIface+".Unlock", []any{&unlocked, &prompt}, []dbus.ObjectPath{path}); err != nil {
		return err
	}
	dismissed, result, err := o.runPrompt(prompt)
	if err != nil {
		return err
	}
	if paths, ok := result.Value().([]dbus.ObjectPath); ok {
		unlocked = append(unlocked, paths...)
	}
	if dismissed || len(unlocked) != 1 || unlocked[0] != path {
		return fmt.Errorf("failed to unlock %s", path)
	}
	return nil
}

// runPrompt shows the prompt a call returned ("/" for none) and waits for its answer.
func (o op) runPrompt(prompt dbus.ObjectPath) (dismissed bool, result dbus.Variant, err error) {
	if prompt == "/" || prompt == "" {
		return false, dbus.MakeVariant(""), nil
	}
	match := []dbus.MatchOption{dbus.WithMatchObjectPath(prompt), dbus.WithMatchInterface(promptIface)}
	if err := o.conn.AddMatchSignalContext(o.ctx, match...); err != nil {
		return false, result, err
	}
	defer o.conn.RemoveMatchSignal(match...)
	signals := make(chan *dbus.Signal, 4)
	o.conn.Signal(signals)
	defer o.conn.RemoveSignal(signals)
	if err := o.call(o.conn.Object(secretsName, prompt), promptIface+".Prompt", nil, ""); err != nil {
		return false, result, err
	}
	for {
		select {
		case <-o.ctx.Done():
			return false, result, fmt.Errorf("no answer within %v", o.limit)
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
func (o op) find(user string) (dbus.ObjectPath, error) {
	coll, err := o.collection()
	if err != nil {
		return "", err
	}
	if err := o.unlock(coll.Path()); err != nil {
		return "", err
	}
	var items []dbus.ObjectPath
	if err := o.call(coll, collectionIface+".SearchItems", []any{&items}, attributes(user)); err != nil {
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
	o, cancel := begin(conn, callTimeout())
	defer cancel()
	item, err := o.find(user)
	if err != nil {
		return "", err
	}
	session, err := o.openSession()
	if err != nil {
		return "", err
	}
	defer o.closeSession(session)
	if err := o.unlock(item); err != nil {
		return "", err
	}
	var secret ss.Secret
	if err := o.call(o.conn.Object(secretsName, item), itemIface+".GetSecret", []any{&secret}, session); err != nil {
		return "", err
	}
	return string(secret.Value), nil
}

func (secretService) set(user, value string) error {
	o, cancel, err := connect()
	if err != nil {
		return err
	}
	defer cancel()
	coll, err := o.collection()
	if err != nil {
		return err
	}
	session, err := o.openSession()
	if err != nil {
		return err
	}
	defer o.closeSession(session)
	if err := o.unlock(coll.Path()); err != nil {
		return err
	}
	props := map[string]dbus.Variant{
		itemIface + ".Label":      dbus.MakeVariant(fmt.Sprintf("Password for '%s' on '%s'", user, Service)),
		itemIface + ".Attributes": dbus.MakeVariant(attributes(user)),
	}
	var item, prompt dbus.ObjectPath
	if err := o.call(coll, collectionIface+".CreateItem", []any{&item, &prompt}, props, ss.NewSecret(session, value), true); err != nil {
		return err
	}
	return o.promptDone(prompt, "store the item")
}

// promptDone runs the prompt a change returned and fails when the user dismissed it: a
// Secret Service that asks before it stores or deletes (KeePassXC can) has then changed
// nothing, and saying otherwise would have the index list a secret that is not there.
func (o op) promptDone(prompt dbus.ObjectPath, what string) error {
	dismissed, _, err := o.runPrompt(prompt)
	if err == nil && dismissed {
		err = fmt.Errorf("the keyring's prompt to %s was dismissed", what)
	}
	return err
}

func (secretService) delete(user string) error {
	o, cancel, err := connect()
	if err != nil {
		return err
	}
	defer cancel()
	item, err := o.find(user)
	if err != nil {
		return err
	}
	var prompt dbus.ObjectPath
	if err := o.call(o.conn.Object(secretsName, item), itemIface+".Delete", []any{&prompt}); err != nil {
		return err
	}
	return o.promptDone(prompt, "delete the item")
}
