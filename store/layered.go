package store

import (
	"errors"
	"sort"
)

// Layered reads secrets by name from several stores in order (the user's own first, then
// the team stores), and writes to the first. `amika run` and `use amika` take the secrets
// they are given by name from it, so a team's secret needs no copy of its own.
type Layered []Store

func (l Layered) Name() string { return l[0].Name() }

// Get returns the secret from the first store holding it. A store that cannot be read (a
// locked key) is passed over; its error is returned when no other store holds the name.
func (l Layered) Get(name string) (Secret, error) {
	var firstErr error
	for _, st := range l {
		s, err := st.Get(name)
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, ErrNotFound) && firstErr == nil {
			firstErr = err
		}
	}
	if firstErr != nil {
		return Secret{}, firstErr
	}
	return Secret{}, ErrNotFound
}

func (l Layered) Set(s Secret) error       { return l[0].Set(s) }
func (l Layered) Delete(name string) error { return l[0].Delete(name) }

// List lists every store's secrets, each name once: the one Get returns.
func (l Layered) List() ([]Secret, error) {
	seen := map[string]bool{}
	var out []Secret
	for i, st := range l {
		list, err := st.List()
		if err != nil {
			if i == 0 {
				return nil, err
			}
			continue
		}
		for _, s := range list {
			if !seen[s.Name] {
				seen[s.Name] = true
				out = append(out, s)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
