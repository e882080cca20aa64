package mockapi

import (
	"bufio"
	"bytes"
	"net/http"
	"strings"
	"testing"
)

func post(t *testing.T, s *Server, path, body string, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestCredentials(t *testing.T) {
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Fatalf("URL %s, want 127.0.0.1 only", s.URL)
	}
	post(t, s, "/v1/messages?beta=true", `{"model":"m","stream":true}`, map[string]string{
		"Authorization": "Bearer tok", "anthropic-beta": "claude-code-20250219, oauth-2025-04-20"})
	post(t, s, "/v1/messages", `{}`, map[string]string{"x-api-key": "key"})
	post(t, s, "/v1/messages", `{}`, map[string]string{"x-api-key": "key"})
	post(t, s, "/v1/messages", `{}`, map[string]string{"x-api-key": ""})
	post(t, s, "/v1/responses", `{}`, nil)

	got, err := Credentials(s.Requests(), "/v1/messages")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"authorization=Bearer tok oauth-beta", "x-api-key=", "x-api-key=key"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Credentials = %q, want %q", got, want)
	}
	if got, _ := Credentials(s.Requests(), "/v1/responses"); len(got) != 1 || got[0] != "no-credential" {
		t.Errorf("Credentials(/v1/responses) = %q, want no-credential", got)
	}
	if _, err := Credentials(s.Requests(), "/v1/other"); err == nil {
		t.Error("Credentials of a path no request went to: no error")
	}

	var b bytes.Buffer
	Format(&b, s.Requests()[:1])
	if want := "POST /v1/messages authorization=Bearer tok anthropic-beta=claude-code-20250219, oauth-2025-04-20\n"; b.String() != want {
		t.Errorf("Format = %q, want %q", b.String(), want)
	}
	s.Reset()
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d requests after Reset", n)
	}
}

func TestStreams(t *testing.T) {
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tc := range []struct{ path, last string }{
		{"/v1/messages", `event: message_stop`},
		{"/v1/responses", `event: response.completed`},
		{"/v1/chat/completions", `data: [DONE]`},
	} {
		resp := post(t, s, tc.path, `{"stream":true}`, nil)
		if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
			t.Errorf("%s: Content-Type %q", tc.path, ct)
		}
		var last string
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if l := sc.Text(); strings.HasPrefix(l, "event: ") || strings.HasPrefix(l, "data: [") {
				last = l
			}
		}
		if last != tc.last {
			t.Errorf("%s: last event %q, want %q", tc.path, last, tc.last)
		}
	}
}

func TestBounds(t *testing.T) {
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if resp := post(t, s, "/v1/messages", strings.Repeat("x", MaxBody+1), nil); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over MaxBody: status %d", resp.StatusCode)
	}
	for i := 1; i < MaxRequests; i++ {
		post(t, s, "/v1/messages", `{}`, nil)
	}
	if resp := post(t, s, "/v1/messages", `{}`, nil); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("request %d: status %d, want 503", MaxRequests+1, resp.StatusCode)
	}
}
