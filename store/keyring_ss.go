//go:build (dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd

package store

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/godbus/dbus/v5"
	ss "github.com/zalando/go-keyring/secret_service"
)

// fastGet reads one item of the login collection in three Secret Service calls
// (SearchItems, OpenSession, GetSecrets) where go-keyring's Get makes seven: it is what
// `amika secret get` and discovery wait on. It reports handled=false, and the caller uses
// go-keyring, for anything out of the ordinary: a locked item (go-keyring unlocks, perhaps
// with a prompt), an item outside the login collection, or any D-Bus error.
func fastGet(user string) (value string, handled bool, err error) {
	if !fastGetEnabled || os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		return "", false, nil
	}
	conn, err := dbus.SessionBus()
	if err != nil {
		return "", false, nil
	}
	// A Secret Service that stopped answering must not hang amika: the reads that matter
	// for speed carry a deadline, and a timeout is an error, not a reason to try go-keyring
	// (which would wait forever).
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	svc := conn.Object(secretsName, "/org/freedesktop/secrets")
	var unlocked, locked []dbus.ObjectPath
	attrs := map[string]string{"service": Service, "username": user}
	if err := svc.CallWithContext(ctx, "org.freedesktop.Secret.Service.SearchItems", 0, attrs).Store(&unlocked, &locked); err != nil {
		return "", timedOut(ctx), serviceError(ctx, err)
	}
	const login = "/org/freedesktop/secrets/collection/login/"
	var item dbus.ObjectPath
	for _, p := range unlocked {
		if strings.HasPrefix(string(p), login) {
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
	var ignored dbus.Variant
	var session dbus.ObjectPath
	if err := svc.CallWithContext(ctx, "org.freedesktop.Secret.Service.OpenSession", 0, "plain", dbus.MakeVariant("")).Store(&ignored, &session); err != nil {
		return "", timedOut(ctx), serviceError(ctx, err)
	}
	// Closing the session needs no answer; the service also drops it when we disconnect.
	defer conn.Object(secretsName, session).Go("org.freedesktop.Secret.Session.Close", dbus.FlagNoReplyExpected, nil)
	var secrets map[dbus.ObjectPath]ss.Secret
	if err := svc.CallWithContext(ctx, "org.freedesktop.Secret.Service.GetSecrets", 0, []dbus.ObjectPath{item}, session).Store(&secrets); err != nil {
		return "", timedOut(ctx), serviceError(ctx, err)
	}
	s, ok := secrets[item]
	if !ok {
		return "", false, nil
	}
	return string(s.Value), true, nil
}

func timedOut(ctx context.Context) bool { return ctx.Err() != nil }

func serviceError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("the Secret Service did not answer within %v", readTimeout)
	}
	return err
}
