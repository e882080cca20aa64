package store

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"
)

// The keyring backend runs end to end against gnome-keyring in testscripts; this checks the
// index splitting that only macOS and Windows need, on go-keyring's in-memory mock.
func TestKeyringIndexInParts(t *testing.T) {
	keyring.MockInit()
	fastGetEnabled = false
	defer func(n int) { indexChunk, fastGetEnabled = n, true }(indexChunk)
	indexChunk = 300
	k := NewKeyring(testPaths(t))
	var batch []Secret
	for i := 0; i < 40; i++ {
		batch = append(batch, Secret{Name: fmt.Sprintf("SECRET_%02d_API_KEY", i), Value: fmt.Sprint("v", i)})
	}
	if err := k.Set(batch...); err != nil {
		t.Fatal(err)
	}
	head, err := keyring.Get(Service, indexUser)
	if err != nil || !strings.Contains(head, `"parts":`) {
		t.Fatalf("index head = %q, %v", head, err)
	}
	for i := 1; ; i++ {
		part, err := keyring.Get(Service, partUser(i))
		if err != nil {
			if i < 3 {
				t.Fatalf("only %d parts", i-1)
			}
			break
		}
		if len(part) > indexChunk {
			t.Fatalf("part %d holds %d bytes", i, len(part))
		}
		if strings.Contains(part, `"v1`) {
			t.Fatalf("part %d holds a value", i)
		}
	}
	list, _, err := k.List()
	if err != nil || len(list) != 40 || list[39].Provider != "secret-39" {
		t.Fatalf("List: %d secrets, %v", len(list), err)
	}
	st, err := k.forDiscovery()
	if err != nil || len(st.entries) != 40 || st.entries[7].Name != "SECRET_07_API_KEY" || st.entries[7].Value != "v7" {
		t.Fatalf("forDiscovery: %v, %v", st.entries, err)
	}

	// shrinking back to one item removes the parts
	for _, s := range batch[1:] {
		if err := k.Delete(s.Name); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := keyring.Get(Service, partUser(1)); err == nil {
		t.Fatal("a part survived the index shrinking to one item")
	}
	list, _, err = k.List()
	if err != nil || len(list) != 1 || list[0].Name != "SECRET_00_API_KEY" {
		t.Fatalf("after deletes: %+v, %v", list, err)
	}
}

// BenchmarkKeyringValue times one secret read from a real Secret Service; scripts/bench
// starts gnome-keyring and sets AMIKA_BENCH_DBUS to its bus address.
func BenchmarkKeyringValue(b *testing.B) {
	addr := os.Getenv("AMIKA_BENCH_DBUS")
	if addr == "" {
		b.Skip("AMIKA_BENCH_DBUS is not set (scripts/bench sets it)")
	}
	b.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	k := NewKeyring(testPaths(b))
	if err := k.Set(Secret{Name: "BENCH_VALUE", Value: "v"}); err != nil {
		b.Fatal(err)
	}
	b.Run("Value", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := k.Value("BENCH_VALUE"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Choose", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if c, err := choose(os.Getenv); err != nil || c.Backend != "keyring" {
				b.Fatal(c, err)
			}
		}
	})
	k.Delete("BENCH_VALUE")
}
