//go:build (dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd

package agentkeyring

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/godbus/dbus/v5"
	ss "github.com/zalando/go-keyring/secret_service"

	"github.com/amika-dev/amika/discovery"
)

const secretsName = "org.freedesktop.secrets"

// reader reads an item of the Secret Service on the session bus the process environment
// names (the store's probe checks that bus and sets it): SearchItems by service and
// account attributes, then GetSecrets in a plain session. Locked items are not read.
var reader = func(item discovery.KeyringItem) (string, bool, error) {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		return "", false, errors.New("no D-Bus session bus")
	}
	conn, err := dbus.SessionBus()
	if err != nil {
		return "", false, fmt.Errorf("cannot connect to the D-Bus session bus: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	attr := item.AccountAttribute
	if attr == "" {
		attr = "username"
	}
	svc := conn.Object(secretsName, "/org/freedesktop/secrets")
	var unlocked, locked []dbus.ObjectPath
	call := func(obj dbus.BusObject, method string, out []any, args ...any) error {
		err := obj.CallWithContext(ctx, method, 0, args...).Store(out...)
		if ctx.Err() != nil {
			return errTimeout
		}
		return err
	}
	if err := call(svc, "org.freedesktop.Secret.Service.SearchItems", []any{&unlocked, &locked}, map[string]string{"service": item.Service, attr: item.Account}); err != nil {
		return "", false, err
	}
	if len(unlocked) == 0 {
		if len(locked) > 0 {
			return "", false, errors.New("the item is in a locked collection (amika does not prompt to unlock it)")
		}
		return "", false, nil
	}
	var ignored dbus.Variant
	var session dbus.ObjectPath
	if err := call(svc, "org.freedesktop.Secret.Service.OpenSession", []any{&ignored, &session}, "plain", dbus.MakeVariant("")); err != nil {
		return "", false, err
	}
	defer conn.Object(secretsName, session).Go("org.freedesktop.Secret.Session.Close", dbus.FlagNoReplyExpected, nil)
	var secrets map[dbus.ObjectPath]ss.Secret
	if err := call(svc, "org.freedesktop.Secret.Service.GetSecrets", []any{&secrets}, unlocked[:1], session); err != nil {
		return "", false, err
	}
	s, ok := secrets[unlocked[0]]
	if !ok {
		return "", false, errors.New("the Secret Service returned no secret for the item")
	}
	return string(s.Value), true, nil
}

// watchPaths: gnome-keyring keeps its collections in <data dir>/keyrings and KWallet its
// wallets in <data dir>/kwalletd; both replace a file when they save it, which changes
// the folder's time.
func watchPaths(p discovery.Paths) []string {
	return []string{filepath.Join(p.DataDir, "keyrings"), filepath.Join(p.DataDir, "kwalletd")}
}
