package discovery

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/scrypt"
)

// Gemini CLI keeps an API key entered in its own dialog through its "hybrid" token
// storage: the OS keyring (keytar: service gemini-cli-api-key, account default-api-key)
// when one works, else ~/.gemini/gemini-credentials.json, encrypted with a key derived
// from the host and user names. Its Google login goes to ~/.gemini/oauth_creds.json. Each
// entry of the hybrid storage is a JSON document {"serverName", "token": {"accessToken",
// "refreshToken", "expiresAt"}, "updatedAt"}.

const (
	geminiAPIKeyService = "gemini-cli-api-key"
	geminiAPIKeyAccount = "default-api-key"
	geminiOAuthService  = "gemini-cli-oauth"
	geminiOAuthAccount  = "main-account"
)

// geminiKeyringItem is where Gemini CLI keeps its API key in the OS keyring.
var geminiKeyringItem = KeyringItem{Service: geminiAPIKeyService, Account: geminiAPIKeyAccount, AccountAttribute: "account"}

func locateGemini(p Paths, o *Options) []location {
	var out []location
	if o.Keyring != nil {
		loc := keyringLocation(o.Keyring, geminiKeyringItem)
		loc.parse = func(data []byte, c *parseContext) error { return geminiEntry(data, KindAPIKey, c) }
		out = append(out, loc)
	}
	return append(out,
		location{path: filepath.Join(p.GeminiDir, "gemini-credentials.json"), parse: parseGeminiEncrypted},
		location{path: filepath.Join(p.GeminiDir, "oauth_creds.json")})
}

// parseGemini reads oauth_creds.json: Google OAuth tokens as google-auth-library writes
// them ({"access_token", "refresh_token", "expiry_date" (epoch ms), …}).
func parseGemini(data []byte, c *parseContext) error {
	m, err := topFields(data, "access_token", "expiry_date", "refresh_token")
	if err != nil {
		return err
	}
	token, err := optString("access_token", m[0])
	if err != nil {
		return err
	}
	return c.addGeminiLogin(token, "expiry_date", m[1], "refresh_token", m[2])
}

// geminiEntry reads one hybrid-storage entry.
func geminiEntry(data []byte, kind Kind, c *parseContext) error {
	top, err := topFields(data, "token")
	if err != nil || isNull(top[0]) {
		return err
	}
	m, err := fields("token", top[0], "accessToken", "expiresAt", "refreshToken")
	if err != nil {
		return err
	}
	access, err := optString("token.accessToken", m[0])
	if err != nil {
		return err
	}
	if kind == KindAPIKey {
		c.add("gemini", access, KindAPIKey, time.Time{})
		return nil
	}
	return c.addGeminiLogin(access, "token.expiresAt", m[1], "token.refreshToken", m[2])
}

// addGeminiLogin records a Gemini OAuth access token with its expiry (epoch ms) and refresh
// token, the raw values of the fields named.
func (c *parseContext) addGeminiLogin(access, expiryField string, expiry []byte, refreshField string, refresh []byte) error {
	expires, err := parseExpiry(expiryField, expiry, false)
	if err != nil {
		return err
	}
	r, err := optString(refreshField, refresh)
	if err != nil {
		return err
	}
	if access != "" && c.noOAuth {
		c.skippedOAuth++
		return nil
	}
	c.addOAuth("gemini", access, KindOAuth, expires, strings.TrimSpace(r) != "")
	return nil
}

// maxGeminiFile bounds the encrypted file: it holds a few tokens.
const maxGeminiFile = 1 << 20

// parseGeminiEncrypted decrypts gemini-credentials.json ("<iv>:<tag>:<ciphertext>" in hex,
// AES-256-GCM, key scrypt("gemini-cli-oauth", "<host>-<user>-gemini-cli", N=16384, r=8,
// p=1)) and reads the API key entry, else the OAuth login entry, of the services it holds
// ({"<service>": {"<account>": "<entry JSON>"}}).
func parseGeminiEncrypted(data []byte, c *parseContext) error {
	if len(data) > maxGeminiFile {
		return fmt.Errorf("file is larger than %d KiB, not Gemini CLI's credentials", maxGeminiFile>>10)
	}
	parts := bytes.Split(bytes.TrimSpace(data), []byte(":"))
	if len(parts) != 3 {
		return errors.New("not Gemini CLI's encrypted format (iv:tag:ciphertext in hex)")
	}
	var raw [3][]byte
	for i, p := range parts {
		b := make([]byte, hex.DecodedLen(len(p)))
		if _, err := hex.Decode(b, p); err != nil {
			return errors.New("not Gemini CLI's encrypted format (iv:tag:ciphertext in hex)")
		}
		raw[i] = b
	}
	iv, tag, ciphertext := raw[0], raw[1], raw[2]
	if len(iv) != 12 && len(iv) != 16 || len(tag) != 16 {
		return errors.New("not Gemini CLI's encrypted format (iv or tag of the wrong length)")
	}
	if c.identity == nil {
		return errors.New("cannot decrypt: the host and user names are not known")
	}
	host, user, err := c.identity()
	if err != nil {
		return fmt.Errorf("cannot decrypt: %v", err)
	}
	key, err := scrypt.Key([]byte("gemini-cli-oauth"), []byte(host+"-"+user+"-gemini-cli"), 16384, 8, 1, 32)
	if err != nil {
		return fmt.Errorf("cannot decrypt: %v", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return err
	}
	gcm, err := cipher.NewGCMWithNonceSize(block, len(iv))
	if err != nil {
		return err
	}
	plain, err := gcm.Open(nil, iv, append(ciphertext, tag...), nil)
	if err != nil {
		return errors.New("cannot decrypt: written on another host or by another user (Gemini CLI derives the key from both), or damaged")
	}
	entry := func(service, account string) ([]byte, error) {
		var svc []byte
		err := scanObject(plain, func(key string, value []byte) bool {
			if key == service {
				svc = value
			}
			return true
		})
		if err != nil {
			return nil, fmt.Errorf("decrypted content: %v", err)
		}
		if isNull(svc) {
			return nil, nil
		}
		m, err := fields(service, svc, account)
		if err != nil {
			return nil, err
		}
		s, err := optString(service+"."+account, m[0])
		if s == "" || err != nil {
			return nil, err
		}
		return []byte(s), nil
	}
	if e, err := entry(geminiAPIKeyService, geminiAPIKeyAccount); err != nil {
		return err
	} else if e != nil {
		if err := geminiEntry(e, KindAPIKey, c); err != nil {
			return fmt.Errorf("%s entry: %v", geminiAPIKeyService, err)
		}
		if len(c.found) > 0 {
			return nil
		}
	}
	e, err := entry(geminiOAuthService, geminiOAuthAccount)
	if err != nil || e == nil {
		return err
	}
	if err := geminiEntry(e, KindOAuth, c); err != nil {
		return fmt.Errorf("%s entry: %v", geminiOAuthService, err)
	}
	return nil
}

// Amp keeps its secrets in <data dir>/amp/secrets.json, a flat object of "<name>@<server
// URL>" → value. "apiKey@https://ampcode.com/" is the access token Amp also takes from
// $AMP_API_KEY: an access token made in Amp's settings (an API key), or, after `amp login`
// in a browser, an OAuth access token (a JWT) that Amp refreshes itself with the
// "oauth-refresh-token@…" entry next to it. Entries for other servers are not read.
const (
	ampServer       = "https://ampcode.com/"
	ampAPIKeyEntry  = "apiKey@" + ampServer
	ampRefreshEntry = "oauth-refresh-token@" + ampServer
)

func parseAmpSecrets(data []byte, c *parseContext) error {
	m, err := topFields(data, ampAPIKeyEntry, ampRefreshEntry)
	if err != nil {
		return err
	}
	token, err := optString(ampAPIKeyEntry, m[0])
	if err != nil || token == "" {
		return err
	}
	r, err := optString(ampRefreshEntry, m[1])
	if err != nil {
		return err
	}
	if exp, jwt := jwtExpiry(token); jwt && r != "" {
		if c.noOAuth {
			c.skippedOAuth++
			return nil
		}
		c.addOAuth("amp", token, KindOAuth, exp, true) // Amp's OAuth token comes with its refresh token
		return nil
	}
	c.add("amp", token, KindAPIKey, time.Time{})
	return nil
}

// jwtExpiry reports whether token has a JWT's shape (three dot-separated base64url parts,
// as Amp tells its OAuth tokens apart) and its "exp" claim (zero when absent or unreadable).
func jwtExpiry(token string) (time.Time, bool) {
	parts := bytes.Split([]byte(token), []byte("."))
	if len(parts) != 3 {
		return time.Time{}, false
	}
	for _, p := range parts {
		if len(p) == 0 {
			return time.Time{}, false
		}
		for _, b := range p {
			if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b == '-') {
				return time.Time{}, false
			}
		}
	}
	payload, err := base64.RawURLEncoding.DecodeString(string(parts[1]))
	if err != nil {
		return time.Time{}, true
	}
	var exp []byte
	if scanObject(payload, func(key string, value []byte) bool {
		if key == "exp" {
			exp = value
		}
		return true
	}) != nil || len(exp) == 0 {
		return time.Time{}, true
	}
	t, err := parseExpiry("exp", exp, false) // read as milliseconds: exp is in seconds
	if err != nil {
		return time.Time{}, true
	}
	if s := t.UnixMilli(); s < math.MaxInt64/1000 && s > math.MinInt64/1000 {
		return time.UnixMilli(s * 1000), true
	}
	return time.UnixMilli(math.MaxInt64), true
}
