package discovery

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/amika-dev/amika/discovery/internal/fixture"
)

// scanMembers runs scanObject and keeps the members as encoding/json would (last duplicate
// wins).
func scanMembers(data []byte) (map[string]string, error) {
	m := map[string]string{}
	err := scanObject(data, func(key string, raw []byte) bool {
		m[key] = string(raw)
		return true
	})
	return m, err
}

// checkAgainstJSON fails when scanObject and encoding/json disagree on data: the verdict
// (valid object, valid non-object, invalid) always, and for valid objects with valid UTF-8
// the member names and raw values.
func checkAgainstJSON(t *testing.T, data []byte) {
	t.Helper()
	got, err := scanMembers(data)
	// scanObject also insists on UTF-8, which encoding/json does not check.
	valid := json.Valid(data) && utf8.Valid(data)
	var se *syntaxError
	var ue utf8Error
	if errors.As(err, &ue) {
		if utf8.Valid(data) {
			t.Fatalf("scanObject reports invalid UTF-8 in %q: %v", data, err)
		}
		return
	}
	switch {
	case err == nil && !valid:
		t.Fatalf("scanObject accepts invalid JSON %q", data)
	case err != nil && !errors.Is(err, errNotObject) && !errors.As(err, &se):
		t.Fatalf("scanObject: unexpected error type %T %v", err, err)
	case err != nil && errors.As(err, &se) && valid:
		t.Fatalf("scanObject rejects valid JSON %q: %v", data, err)
	case errors.Is(err, errNotObject):
		var v any
		if !valid {
			t.Fatalf("scanObject calls invalid JSON %q a non-object", data)
		}
		if json.Unmarshal(data, &v) == nil {
			if _, isObject := v.(map[string]any); isObject {
				t.Fatalf("scanObject calls object %q a non-object", data)
			}
		}
	case err == nil:
		var want map[string]json.RawMessage
		if e := json.Unmarshal(data, &want); e != nil {
			t.Fatalf("encoding/json cannot decode %q as an object: %v", data, e)
		}
		if len(got) != len(want) {
			t.Fatalf("%q: scanObject found %d members, encoding/json %d", data, len(got), len(want))
		}
		for k, v := range want {
			if got[k] != string(v) {
				t.Fatalf("%q: member %q: scanObject %q, encoding/json %q", data, k, got[k], v)
			}
		}
	}
}

var scanSeeds = []string{
	`{}`, ` { } `, `{"a":1}`, `{"a":"b","c":[1,2,{"d":null}],"e":{"f":true}}`,
	`{"a":1,"a":2}`, `{"\u0061":"x","a":"y"}`, `{"k\"ey":"v\\al\/ue\b\f\n\r\t\u00e9\ud83d\ude00"}`,
	`{"a":-0.5e+10,"b":0,"c":-0,"d":1E5,"e":123.456e-7}`, `[]`, `"str"`, `1`, `null`, `true`,
	``, ` `, `{`, `}`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{,}`, `{"a":1 "b":2}`, `{"a":01}`,
	`{"a":1.}`, `{"a":.5}`, `{"a":-}`, `{"a":1e}`, `{"a":+1}`, `{"a":tru}`, `{"a":truex}`,
	`{"a":nul}`, `{"a":"\x"}`, `{"a":"\u12g4"}`, "{\"a\":\"\x01\"}", "{\"a\":\"\t\"}", `{"a":"}`,
	`{"a":[1,]}`, `{"a":[1 2]}`, `{"a":{"b":1,}}`, `{"a":{"b"}}`, `{"a":[}`, `{"a":]}`,
	`{"a":1}x`, `{"a":1}{}`, `{} {}`, `[1,2]3`, "\ufeff{}", `{"a":"\"}`, `{"a":"\\"}`,
	`{"a":"\\\""}`, "{\"a\":\"\xff\xfe\"}", "{\"\xff\":1}", `{"a":[[[[[[]]]]]]}`,
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	`{"a":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`,
	`{"a":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`,
	`{"long":"` + strings.Repeat("abcdefg\\\"", 100) + `"}`,
}

func TestScanObjectAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range scanSeeds {
		checkAgainstJSON(t, []byte(s))
	}
	// Every prefix of a realistic document is invalid except the whole.
	doc := fixture.ClaudeJSON(4<<10, "sk-ant-api03-x")
	for i := range len(doc) {
		checkAgainstJSON(t, doc[:i])
	}
	checkAgainstJSON(t, doc)
}

func TestScanObjectErrorsQuoteNothing(t *testing.T) {
	secret := "sk-ant-api03-SECRETSECRET"
	for _, doc := range []string{
		`{"primaryApiKey":` + secret + `}`, `{"primaryApiKey":"` + secret + `\q"}`,
		`{"primaryApiKey":"` + secret + "\x01\"}", `{` + secret + `}`, `["` + secret + `"`,
		`{"a":1}` + secret, `{"primaryApiKey":"` + secret + `"` + secret + `}`,
	} {
		_, err := scanMembers([]byte(doc))
		if err == nil {
			t.Fatalf("%q accepted", doc)
		}
		for _, part := range []string{"SECRET", "sk-", "api03", `\`} {
			if strings.Contains(err.Error(), part) {
				t.Errorf("error for %q shows %q: %v", doc, part, err)
			}
		}
	}
}

func FuzzScanObject(f *testing.F) {
	for _, s := range scanSeeds {
		if len(s) < 1000 {
			f.Add([]byte(s))
		}
	}
	f.Add(fixture.ClaudeJSON(2<<10, "sk-ant-api03-x"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAgainstJSON(t, data)
		// Whatever the verdict, a parse never panics and never leaks input into reasons.
		for _, src := range Sources {
			c := parseContext{}
			if err := src.parse(data, &c); err != nil && len(data) > 0 && bytes.Contains([]byte(err.Error()), data) && len(data) > 8 {
				t.Fatalf("%s: error quotes the input: %v", src.ID, err)
			}
		}
	})
}
