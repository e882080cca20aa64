package testscripts

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// httpcapture LOG
//
// Starts a plain-HTTP server on 127.0.0.1 that stands for whoever sits on the network
// between a client and the host it names: it answers every request 401 with
// `WWW-Authenticate: Basic realm="capture"` (so a client offers whatever credential it has),
// and appends each request to LOG, in the order received:
//
//	request METHOD REQUEST-URI
//	header NAME: VALUE              every header, sorted by name
//	basic-user USER                 an Authorization: Basic header, decoded
//	basic-password PASSWORD
//	(a blank line)
//
// It sets HTTPCAPTURE to its address (127.0.0.1:PORT) for the rest of the script. Given to
// git as http.proxy, it receives requests for any http:// URL in absolute form, so a
// request for http://api.openai.com/… reaches it without DNS, exactly as an on-path
// attacker would see it. The server stops when the script ends.

func cmdHTTPCapture(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: httpcapture LOG")
	}
	log, err := os.OpenFile(ts.MkAbs(args[0]), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	ts.Check(err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	var mu sync.Mutex
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    1 << 20,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var b strings.Builder
			fmt.Fprintf(&b, "request %s %s\n", r.Method, r.RequestURI)
			names := make([]string, 0, len(r.Header)+1)
			for name := range r.Header {
				names = append(names, name)
			}
			if r.Host != "" {
				// net/http moves Host out of the header map.
				names = append(names, "Host")
			}
			sort.Strings(names)
			for _, name := range names {
				values := r.Header.Values(name)
				if name == "Host" {
					values = []string{r.Host}
				}
				for _, v := range values {
					fmt.Fprintf(&b, "header %s: %s\n", name, v)
				}
			}
			if user, pass, ok := r.BasicAuth(); ok {
				fmt.Fprintf(&b, "basic-user %s\nbasic-password %s\n", user, pass)
			} else if auth := r.Header.Get("Authorization"); strings.HasPrefix(strings.ToLower(auth), "basic ") {
				// Not valid base64 of user:password: show what decodes, so nothing hides.
				raw, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(auth[6:]))
				fmt.Fprintf(&b, "basic-undecodable %q\n", raw)
			}
			b.WriteString("\n")
			mu.Lock()
			log.WriteString(b.String())
			mu.Unlock()
			w.Header().Set("WWW-Authenticate", `Basic realm="capture"`)
			w.WriteHeader(http.StatusUnauthorized)
		}),
	}
	go srv.Serve(ln)
	ts.Defer(func() {
		srv.Close()
		log.Close()
	})
	ts.Setenv("HTTPCAPTURE", ln.Addr().String())
}
