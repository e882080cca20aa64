package helper

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/amika-dev/amika/store"
)

// gitPrefix starts the name of every store secret that holds git credentials. One secret
// holds every credential for one protocol and host, so a `get` is one store read.
const gitPrefix = "git-credential."

// gitRecord is the value of one git-credential secret: the credentials of one protocol and
// host, most recently stored first (git returns the first match, and a newer credential
// should win).
type gitRecord struct {
	Protocol    *string         `json:"protocol"`
	Host        *string         `json:"host"`
	Credentials []gitCredential `json:"credentials"`
}

// gitCredential is one stored credential. Pointers keep an absent attribute apart from an
// empty one: an empty username is a username.
type gitCredential struct {
	Path              *string `json:"path,omitempty"`
	Username          *string `json:"username,omitempty"`
	Password          *string `json:"password,omitempty"`
	PasswordExpiryUTC int64   `json:"password_expiry_utc,omitempty"`
	OAuthRefreshToken *string `json:"oauth_refresh_token,omitempty"`
	AuthType          *string `json:"authtype,omitempty"`
	Credential        *string `json:"credential,omitempty"`
}

// gitRequest is what git's matching looks at in a request.
type gitRequest struct {
	protocol, host, path, username, password, credential *string
	capAuthType                                          bool
}

func newGitRequest(a attributes) gitRequest {
	return gitRequest{
		protocol: a.ptr("protocol"), host: a.ptr("host"), path: a.ptr("path"),
		username: a.ptr("username"), password: a.ptr("password"), credential: a.ptr("credential"),
		capAuthType: a.Has("capability", "authtype"),
	}
}

// gitName is the store name of the record for a protocol and host: readable in
// `amika secret list` (git-credential.https.github.com.<hash>), and exact through the hash
// of both, so hosts that read alike after sanitizing or truncating stay apart.
func gitName(protocol, host *string) string {
	h := sha256.New()
	for _, p := range []*string{protocol, host} {
		if p == nil {
			h.Write([]byte{0})
			continue
		}
		h.Write([]byte{1})
		h.Write([]byte(strconv.Itoa(len(*p))))
		h.Write([]byte{':'})
		h.Write([]byte(*p))
	}
	const hashLen = 16
	readable := nameSafe(deref(protocol) + "." + deref(host))
	if max := store.MaxNameLen - len(gitPrefix) - 1 - hashLen; len(readable) > max {
		readable = readable[:max]
	}
	return gitPrefix + readable + "." + hex.EncodeToString(h.Sum(nil))[:hashLen]
}

// nameSafe replaces what a secret name cannot hold with '_'.
func nameSafe(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c == '_' || c == '.' || c == '-' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	return string(b)
}

// origin is what `amika secret list` shows for a record: where git would use it.
func (r gitRecord) origin() string {
	return "git credential " + deref(r.Protocol) + "://" + deref(r.Host)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// same reports git's equality of two optional attributes (CHECK in git's credential.c):
// a missing want matches anything; a given want needs an equal have.
func same(want, have *string) bool {
	return want == nil || have != nil && *want == *have
}

func eqPtr(a, b *string) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// matches is git's credential_match: protocol, host, path and username, and with
// matchPassword the password and credential too.
func (q gitRequest) matches(r gitRecord, c gitCredential, matchPassword bool) bool {
	return same(q.protocol, r.Protocol) && same(q.host, r.Host) && same(q.path, c.Path) &&
		same(q.username, c.Username) &&
		(!matchPassword || same(q.password, c.Password) && same(q.credential, c.Credential))
}

func expired(c gitCredential, now time.Time) bool {
	return c.PasswordExpiryUTC != 0 && c.PasswordExpiryUTC < now.Unix()
}

// usable reports whether c answers q: a password always does; an authtype credential only
// answers a request that announced capability[]=authtype.
func (q gitRequest) usable(c gitCredential) bool {
	return c.Password != nil || q.capAuthType && c.Credential != nil
}

// answer is what `get` writes for a stored credential.
func (q gitRequest) answer(c gitCredential) []pair {
	var out []pair
	if q.capAuthType && c.Credential != nil {
		out = append(out, pair{Key: "capability", Value: "authtype", List: true})
		if c.AuthType != nil {
			out = append(out, pair{Key: "authtype", Value: *c.AuthType})
		}
		out = append(out, pair{Key: "credential", Value: *c.Credential})
	}
	if c.Username != nil {
		out = append(out, pair{Key: "username", Value: *c.Username})
	}
	if c.Password != nil {
		out = append(out, pair{Key: "password", Value: *c.Password})
	}
	if c.PasswordExpiryUTC != 0 {
		out = append(out, pair{Key: "password_expiry_utc", Value: strconv.FormatInt(c.PasswordExpiryUTC, 10)})
	}
	if c.OAuthRefreshToken != nil {
		out = append(out, pair{Key: "oauth_refresh_token", Value: *c.OAuthRefreshToken})
	}
	return out
}

// parseExpiry reads password_expiry_utc as git does: Unix seconds; zero, garbage or out of
// range means no expiry.
func parseExpiry(s string) int64 {
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, err := strconv.ParseInt(s[:end], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// parseBool reads a git boolean (ephemeral=1, true, yes, on).
func parseBool(s string) bool {
	switch strings.ToLower(s) {
	case "true", "yes", "on":
		return true
	}
	n, err := strconv.Atoi(s)
	return err == nil && n != 0
}

// gitStore is the part of the amika store git credentials live in.
type gitStore struct {
	st  store.Store
	now time.Time
}

func (g gitStore) read(name string) (gitRecord, bool, error) {
	s, err := g.st.Get(name)
	if errors.Is(err, store.ErrNotFound) {
		return gitRecord{}, false, nil
	}
	if err != nil {
		return gitRecord{}, false, err
	}
	r, ok := parseRecord(name, s.Value)
	if !ok {
		// The value is not one amika wrote, so it may be anything, a secret included: the
		// error says so without quoting it, and nothing overwrites it.
		return gitRecord{}, false, fmt.Errorf("secret %s holds something other than a git credential record: left as it is", name)
	}
	return r, true, nil
}

// parseRecord reads a record as amika writes it: the JSON of a gitRecord, nothing else in
// it, at least one credential, and kept under the name of its own protocol and host.
func parseRecord(name, value string) (gitRecord, bool) {
	var r gitRecord
	dec := json.NewDecoder(strings.NewReader(value))
	dec.DisallowUnknownFields()
	if dec.Decode(&r) != nil || dec.Decode(new(json.RawMessage)) != io.EOF {
		return gitRecord{}, false
	}
	return r, len(r.Credentials) > 0 && gitName(r.Protocol, r.Host) == name
}

func (g gitStore) write(name string, r gitRecord) error {
	if len(r.Credentials) == 0 {
		err := g.st.Delete(name)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	}
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return g.st.Set(store.Secret{Name: name, Value: string(data), Meta: store.Meta{Type: store.TypeGeneric, Origin: r.origin()}})
}

// records returns the records a request can match: the one for its protocol and host
// when it gives both, else every git record in the store.
func (g gitStore) records(q gitRequest) ([]string, error) {
	if q.protocol != nil && q.host != nil {
		return []string{gitName(q.protocol, q.host)}, nil
	}
	list, _, err := g.st.List()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, s := range list {
		if strings.HasPrefix(s.Name, gitPrefix) {
			names = append(names, s.Name)
		}
	}
	sort.Strings(names)
	return names, nil
}

// get returns the first usable, unexpired stored credential matching q.
func (g gitStore) get(q gitRequest) ([]pair, error) {
	names, err := g.records(q)
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		r, ok, err := g.read(name)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		for _, c := range r.Credentials {
			if q.matches(r, c, false) && q.usable(c) && !expired(c, g.now) {
				return q.answer(c), nil
			}
		}
	}
	return nil, nil
}

// put stores c for protocol and host, replacing a credential with the same path and
// username.
func (g gitStore) put(protocol, host *string, c gitCredential) error {
	name := gitName(protocol, host)
	r, _, err := g.read(name)
	if err != nil {
		return err
	}
	r.Protocol, r.Host = protocol, host
	kept := []gitCredential{c}
	for _, old := range r.Credentials {
		if !(eqPtr(old.Path, c.Path) && eqPtr(old.Username, c.Username)) {
			kept = append(kept, old)
		}
	}
	r.Credentials = kept
	return g.write(name, r)
}

// erase removes every stored credential matching q (with its password, when given).
func (g gitStore) erase(q gitRequest) error {
	names, err := g.records(q)
	if err != nil {
		return err
	}
	for _, name := range names {
		r, ok, err := g.read(name)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		var kept []gitCredential
		for _, c := range r.Credentials {
			if !q.matches(r, c, true) {
				kept = append(kept, c)
			}
		}
		if len(kept) == len(r.Credentials) {
			continue
		}
		r.Credentials = kept
		if err := g.write(name, r); err != nil {
			return err
		}
	}
	return nil
}
