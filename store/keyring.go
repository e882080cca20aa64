package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/internal/safefile"
)

// Service is the keyring service name amika's items are filed under; `secret-tool lookup
// service amika username NAME` reads one from libsecret's side.
const Service = "amika"

// indexUser names the index item. ':' cannot appear in a secret's name, so it never
// collides with one.
const indexUser = "amika:index"

// Keyring keeps each secret as one item of the OS keyring (Secret Service, macOS Keychain,
// Windows Credential Manager) and their metadata, never values, in an index item, because
// go-keyring cannot enumerate items. Writers hold a lock file under the state directory
// around the item write and the index read-modify-write, so index and items stay consistent
// under concurrent writers.
type Keyring struct {
	paths discovery.Paths
	now   func() time.Time
}

// NewKeyring returns the keyring store; paths place its lock file and stamp.
func NewKeyring(p discovery.Paths) *Keyring {
	return &Keyring{paths: p, now: time.Now}
}

func (k *Keyring) Name() string { return "keyring" }

func (k *Keyring) Where() string { return "the keyring (service " + Service + ")" }

// index is the item holding every secret's metadata, never a value.
type index struct {
	Version int             `json:"version"`
	Secrets map[string]Meta `json:"secrets"`
}

func keyringError(what string, err error) error {
	return &storeError{where: "keyring", reason: fmt.Sprintf("%s: %v", what, err)}
}

// indexChunk bounds one index item where the OS keyring limits item size (macOS Keychain
// about 3000 bytes with service and account, Windows Credential Manager 2560 bytes). A larger
// index is split: the index item then holds {"version":1,"parts":N} and the JSON is the
// concatenation of items "amika:index:1" … "amika:index:N". 0 means no limit.
var indexChunk = defaultIndexChunk()

func defaultIndexChunk() int {
	switch runtime.GOOS {
	case "darwin", "windows":
		return 2000
	}
	return 0
}

func partUser(i int) string { return fmt.Sprintf("%s:%d", indexUser, i) }

// itemStore reads and writes the keyring items of service amika, one per user name
// (a secret's name, or the index's). Errors are ErrNotFound for a missing item, else what
// went wrong, never holding a value.
type itemStore interface {
	get(user string) (string, error)
	set(user, value string) error
	delete(user string) error
}

// items is the Secret Service on the user's own session bus where there is one
// (keyring_ss.go), go-keyring elsewhere; tests swap in go-keyring's in-memory mock.
var items = platformItems()

// goKeyring is go-keyring: the macOS Keychain, the Windows Credential Manager, and its
// in-memory mock. It takes no deadline, so each call is bounded here.
type goKeyring struct{}

func (goKeyring) get(user string) (string, error) {
	var v string
	err := bounded(func() (err error) { v, err = keyring.Get(Service, user); return err })
	return v, notFound(err)
}

func (goKeyring) set(user, value string) error {
	return bounded(func() error { return keyring.Set(Service, user, value) })
}

func (goKeyring) delete(user string) error {
	return notFound(bounded(func() error { return keyring.Delete(Service, user) }))
}

func notFound(err error) error {
	if errors.Is(err, keyring.ErrNotFound) {
		return ErrNotFound
	}
	return err
}

func getItem(user string) (string, error) { return items.get(user) }
func setItem(user, value string) error    { return items.set(user, value) }
func deleteItem(user string) error        { return items.delete(user) }

// readTimeout bounds one read from the Secret Service.
const readTimeout = 10 * time.Second

// callTimeout bounds one keyring write, or a read that may unlock: a Secret Service that
// stops answering in the middle of a session must not hang amika. (A go-keyring call given
// up on is left to the process, which exits soon after the error.) With a display a call
// may be waiting on the keyring's password prompt, a person typing: it waits longer.
func callTimeout() time.Duration {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" || os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != "" {
		return 2 * time.Minute
	}
	return readTimeout
}

func bounded(call func() error) error {
	done := make(chan error, 1)
	go func() { done <- call() }()
	limit := callTimeout()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		return fmt.Errorf("no answer within %v", limit)
	}
}

func (k *Keyring) readIndex() (index, error) {
	idx := index{Version: 1, Secrets: map[string]Meta{}}
	raw, err := getItem(indexUser)
	if errors.Is(err, ErrNotFound) {
		return idx, nil
	}
	if err != nil {
		return idx, keyringError("cannot read the index", err)
	}
	var head struct {
		Parts int `json:"parts"`
	}
	if json.Unmarshal([]byte(raw), &head) == nil && head.Parts > 0 {
		var b strings.Builder
		for i := 1; i <= head.Parts; i++ {
			part, err := getItem(partUser(i))
			if err != nil {
				return idx, keyringError(fmt.Sprintf("cannot read index part %d of %d", i, head.Parts), err)
			}
			b.WriteString(part)
		}
		raw = b.String()
	}
	if err := json.Unmarshal([]byte(raw), &idx); err != nil {
		return idx, &storeError{where: "keyring", reason: fmt.Sprintf("the index (service %s, username %s) cannot be parsed; amika will not overwrite it", Service, indexUser)}
	}
	if idx.Secrets == nil {
		idx.Secrets = map[string]Meta{}
	}
	return idx, nil
}

func (k *Keyring) writeIndex(idx index) error {
	data, err := marshal(idx)
	if err != nil {
		return err
	}
	if indexChunk <= 0 || len(data) <= indexChunk {
		if err := setItem(indexUser, string(data)); err != nil {
			return keyringError("cannot write the index", err)
		}
		for i := 1; indexChunk > 0; i++ { // parts of a formerly larger index
			if deleteItem(partUser(i)) != nil {
				break
			}
		}
		return nil
	}
	// Parts first, then the head that names them: a reader never sees a head whose parts
	// are missing. Writers hold the lock, so no two write parts at once.
	parts := 0
	for off := 0; off < len(data); off += indexChunk {
		end := min(off+indexChunk, len(data))
		parts++
		if err := setItem(partUser(parts), string(data[off:end])); err != nil {
			return keyringError(fmt.Sprintf("cannot write index part %d", parts), err)
		}
	}
	head, _ := json.Marshal(struct {
		Version int `json:"version"`
		Parts   int `json:"parts"`
	}{1, parts})
	if err := setItem(indexUser, string(head)); err != nil {
		return keyringError("cannot write the index", err)
	}
	for i := parts + 1; ; i++ { // parts left over from a larger index
		if deleteItem(partUser(i)) != nil {
			break
		}
	}
	return nil
}

// Value reads one secret's value without its metadata: one keyring lookup.
func (k *Keyring) Value(name string) (string, error) {
	if err := ValidateName(name); err != nil {
		return "", ErrNotFound
	}
	v, err := getItem(name)
	if errors.Is(err, ErrNotFound) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", keyringError("cannot read "+NameText(name), err)
	}
	return v, nil
}

// Get reads the value, and the metadata from the index. A secret the index does not know
// (stored by another tool: secret-tool store service amika username NAME) gets what Infer
// makes of its name.
func (k *Keyring) Get(name string) (Secret, error) {
	v, err := k.Value(name)
	if err != nil {
		return Secret{}, err
	}
	s := Secret{Name: name, Value: v, Store: k.Name()}
	if idx, err := k.readIndex(); err == nil { // the value is what was asked for; metadata is best effort
		s.Meta = idx.Secrets[name]
	}
	return Infer(s), nil
}

func (k *Keyring) List() ([]Secret, []Warning, error) {
	idx, err := k.readIndex()
	if err != nil {
		return nil, nil, err
	}
	out := make([]Secret, 0, len(idx.Secrets))
	for name, m := range idx.Secrets {
		out = append(out, Infer(Secret{Name: name, Meta: m, Store: k.Name()}))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil, nil
}

func (k *Keyring) stored() discovery.StoredSecrets {
	return storedRow("keyring:"+Service, k.forDiscovery)
}

// forDiscovery reads the values of the indexed secrets discovery takes.
func (k *Keyring) forDiscovery() (stored, error) {
	idx, err := k.readIndex()
	if err != nil {
		return stored{}, err
	}
	var st stored
	for _, name := range sortedNames(idx.Secrets) {
		m := idx.Secrets[name]
		if !forDiscovery(name, m) {
			continue
		}
		v, err := k.Value(name)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return stored{}, err
		}
		st.entries = append(st.entries, entry(Infer(Secret{Name: name, Value: v, Meta: m})))
	}
	return st, nil
}

func sortedNames(m map[string]Meta) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// lockIndex takes the lock that writers of the index hold and reads the index under it;
// the caller releases the lock when its write is done.
func (k *Keyring) lockIndex() (index, func(), error) {
	unlock, err := safefile.LockPrivate(k.paths.KeyringLock())
	if err != nil {
		return index{}, nil, keyringError("cannot lock", err)
	}
	idx, err := k.readIndex()
	if err != nil {
		unlock()
		return index{}, nil, err
	}
	return idx, unlock, nil
}

// Set stores secrets under one lock and one index write.
func (k *Keyring) Set(secrets ...Secret) error {
	if err := validateAll(secrets); err != nil {
		return err
	}
	idx, unlock, err := k.lockIndex()
	if err != nil {
		return err
	}
	defer unlock()
	now := k.now()
	for _, s := range secrets {
		var prev *Meta
		if m, ok := idx.Secrets[s.Name]; ok {
			prev = &m
		}
		s = merge(s, prev, now)
		if err := setItem(s.Name, s.Value); err != nil {
			// Index what did get stored, so index and items stay in step.
			if len(secrets) > 1 {
				k.writeIndex(idx)
				touchStamp(k.paths)
			}
			return keyringError("cannot store "+NameText(s.Name), err)
		}
		idx.Secrets[s.Name] = s.Meta
	}
	if err := k.writeIndex(idx); err != nil {
		return err
	}
	touchStamp(k.paths)
	return nil
}

func (k *Keyring) Delete(name string) error {
	if ValidateName(name) != nil {
		return ErrNotFound
	}
	idx, unlock, err := k.lockIndex()
	if err != nil {
		return err
	}
	defer unlock()
	_, indexed := idx.Secrets[name]
	err = deleteItem(name)
	if errors.Is(err, ErrNotFound) && !indexed {
		return ErrNotFound
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return keyringError("cannot delete "+NameText(name), err)
	}
	if indexed {
		delete(idx.Secrets, name)
		if err := k.writeIndex(idx); err != nil {
			return err
		}
	}
	touchStamp(k.paths)
	return nil
}
