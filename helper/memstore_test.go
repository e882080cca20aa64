package helper

import (
	"sort"
	"sync"

	"github.com/amika-dev/amika/store"
)

// memStore is an in-memory store.Store for unit tests; end-to-end tests use the real
// backends through the real binary.
type memStore struct {
	mu      sync.Mutex
	secrets map[string]store.Secret
	sets    int
}

func newMemStore() *memStore { return &memStore{secrets: map[string]store.Secret{}} }

func (m *memStore) Name() string  { return "memory" }
func (m *memStore) Where() string { return "memory" }

func (m *memStore) Value(name string) (string, error) {
	s, err := m.Get(name)
	return s.Value, err
}

func (m *memStore) Get(name string) (store.Secret, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.secrets[name]
	if !ok {
		return store.Secret{}, store.ErrNotFound
	}
	return s, nil
}

func (m *memStore) Set(secrets ...store.Secret) error {
	for _, s := range secrets {
		if err := store.Validate(s); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sets++
	for _, s := range secrets {
		m.secrets[s.Name] = s
	}
	return nil
}

func (m *memStore) Delete(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.secrets[name]; !ok {
		return store.ErrNotFound
	}
	delete(m.secrets, name)
	return nil
}

func (m *memStore) List() ([]store.Secret, []store.Warning, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.Secret
	for _, s := range m.secrets {
		s.Value = ""
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil, nil
}
