// Package mockapi is a local stand-in for the model APIs that coding agents call: the
// Anthropic Messages API and the OpenAI Responses and Chat Completions APIs, plus the few
// endpoints the real clients call around them at start. It listens on 127.0.0.1 only,
// answers every model request with one short text reply, and records each request's method,
// path and credential-carrying headers, so a test can tell exactly which header carried
// which credential.
//
// It is bounded: request bodies, header sizes, the number of requests it serves and every
// connection's time are capped, so a misbehaving client fails a test instead of hanging it.
package mockapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Reply is the text every model request is answered with.
const Reply = "Hello from the amika mock API."

// Limits of one server.
const (
	MaxBody     = 8 << 20 // bytes of one request body (an agent's system prompt and tools)
	MaxRequests = 500     // requests served; later ones get 503
	connTimeout = 60 * time.Second
)

// AuthHeaders are the request headers recorded: the ones that carry a credential or say
// how it is to be read.
var AuthHeaders = []string{
	"x-api-key",
	"authorization",
	"anthropic-beta",
	"x-goog-api-key",
	"openai-organization",
	"openai-project",
	"chatgpt-account-id",
}

// Request is one recorded request.
type Request struct {
	Method string
	Path   string // without the query
	Query  string
	// Header holds the AuthHeaders the request carried (lower-case names), values verbatim;
	// a header sent empty is recorded empty, a header not sent is absent.
	Header    map[string]string
	UserAgent string
	Model     string // the "model" field of a JSON body, when there is one
	Stream    bool   // the body asked for a streamed answer
	WebSocket bool   // a WebSocket upgrade
}

// Server is a running mock API.
type Server struct {
	URL  string // http://127.0.0.1:PORT
	Addr string // 127.0.0.1:PORT

	srv *http.Server
	mu  sync.Mutex
	log []Request
	n   int
}

// Start listens on a free port of 127.0.0.1 and serves until Close.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: ln.Addr().String()}
	s.URL = "http://" + s.Addr
	s.srv = &http.Server{
		Handler:           http.HandlerFunc(s.serve),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       connTimeout,
		WriteTimeout:      connTimeout,
		IdleTimeout:       connTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          nil,
	}
	go s.srv.Serve(ln)
	return s, nil
}

// Close stops the server and every connection it holds.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		return s.srv.Close()
	}
	return nil
}

// Requests returns the requests recorded so far, in the order they arrived.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// Reset forgets the requests recorded so far.
func (s *Server) Reset() {
	s.mu.Lock()
	s.log = nil
	s.mu.Unlock()
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.n++
	over := s.n > MaxRequests
	s.mu.Unlock()
	if over {
		http.Error(w, "mockapi: too many requests", http.StatusServiceUnavailable)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		http.Error(w, "mockapi: request body: "+err.Error(), http.StatusRequestEntityTooLarge)
		return
	}
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: map[string]string{}, UserAgent: r.UserAgent()}
	req.WebSocket = isWebSocket(r)
	if r.Method == http.MethodConnect {
		// A client that was given this server as its proxy tried to reach another host.
		req.Path = r.Host
	}
	for _, name := range AuthHeaders {
		if v, ok := r.Header[http.CanonicalHeaderKey(name)]; ok {
			req.Header[name] = strings.Join(v, ",")
		}
	}
	var fields struct {
		Model  string `json:"model"`
		Stream bool   `json:"stream"`
	}
	if len(body) > 0 && json.Unmarshal(body, &fields) == nil {
		req.Model, req.Stream = fields.Model, fields.Stream
	}
	s.mu.Lock()
	s.log = append(s.log, req)
	s.mu.Unlock()

	path := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case r.Method == http.MethodConnect:
		http.Error(w, "mockapi: no network beyond this server", http.StatusForbidden)
	case r.Method == http.MethodPost && strings.HasSuffix(path, "/messages/count_tokens"):
		writeJSON(w, map[string]any{"input_tokens": 12})
	case r.Method == http.MethodPost && strings.HasSuffix(path, "/messages"):
		anthropicMessage(w, req)
	case r.Method == http.MethodPost && strings.HasSuffix(path, "/responses"):
		openaiResponse(w, req)
	case req.WebSocket && strings.HasSuffix(path, "/responses"):
		responsesWebSocket(w, r)
	case r.Method == http.MethodPost && strings.HasSuffix(path, "/chat/completions"):
		openaiChat(w, req)
	case r.Method == http.MethodGet && strings.HasSuffix(path, "/models"):
		models(w, r)
	default:
		s.other(w, r, path)
	}
}

// other answers the endpoints a client calls around the model API.
func (s *Server) other(w http.ResponseWriter, r *http.Request, path string) {
	switch path {
	case "/api/oauth/profile":
		writeJSON(w, map[string]any{
			"account":      map[string]any{"uuid": "00000000-0000-4000-8000-000000000001", "email": "mock@example.invalid", "full_name": "Mock", "display_name": "Mock"},
			"organization": map[string]any{"uuid": "00000000-0000-4000-8000-000000000002", "name": "Mock", "organization_type": "claude_max", "rate_limit_tier": "default_claude_max_20x", "has_extra_usage_enabled": false},
		})
	case "/api/oauth/claude_cli/roles":
		writeJSON(w, map[string]any{"organization_role": "admin", "workspace_role": nil, "organization_name": "Mock"})
	default:
		http.Error(w, fmt.Sprintf("mockapi: no such endpoint: %s %s", r.Method, path), http.StatusNotFound)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// sse writes server-sent events; each event is a name and a JSON payload.
type sse struct {
	w http.ResponseWriter
	f http.Flusher
}

func newSSE(w http.ResponseWriter) *sse {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	f, _ := w.(http.Flusher)
	return &sse{w, f}
}

func (e *sse) event(name string, data any) {
	b, _ := json.Marshal(data)
	fmt.Fprintf(e.w, "event: %s\ndata: %s\n\n", name, b)
	if e.f != nil {
		e.f.Flush()
	}
}

func model(req Request, fallback string) string {
	if req.Model != "" {
		return req.Model
	}
	return fallback
}

func anthropicMessage(w http.ResponseWriter, req Request) {
	m := model(req, "claude-sonnet-4-5")
	usage := map[string]any{"input_tokens": 12, "output_tokens": 8, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
	w.Header().Set("request-id", "req_mock")
	if !req.Stream {
		writeJSON(w, map[string]any{
			"id": "msg_mock", "type": "message", "role": "assistant", "model": m,
			"content":     []any{map[string]any{"type": "text", "text": Reply}},
			"stop_reason": "end_turn", "stop_sequence": nil, "usage": usage,
		})
		return
	}
	e := newSSE(w)
	e.event("message_start", map[string]any{"type": "message_start", "message": map[string]any{
		"id": "msg_mock", "type": "message", "role": "assistant", "model": m, "content": []any{},
		"stop_reason": nil, "stop_sequence": nil, "usage": map[string]any{"input_tokens": 12, "output_tokens": 1, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0},
	}})
	e.event("content_block_start", map[string]any{"type": "content_block_start", "index": 0, "content_block": map[string]any{"type": "text", "text": ""}})
	e.event("ping", map[string]any{"type": "ping"})
	e.event("content_block_delta", map[string]any{"type": "content_block_delta", "index": 0, "delta": map[string]any{"type": "text_delta", "text": Reply}})
	e.event("content_block_stop", map[string]any{"type": "content_block_stop", "index": 0})
	e.event("message_delta", map[string]any{"type": "message_delta", "delta": map[string]any{"stop_reason": "end_turn", "stop_sequence": nil}, "usage": map[string]any{"output_tokens": 8}})
	e.event("message_stop", map[string]any{"type": "message_stop"})
}

type event struct {
	name string
	data map[string]any
}

// responseEvents are the events of one streamed Responses API answer, in order.
func responseEvents(requested string) []event {
	m := requested
	if m == "" {
		m = "gpt-5"
	}
	now := time.Now().Unix()
	var evs []event
	ev := func(name string, data map[string]any) {
		data["type"] = name
		data["sequence_number"] = len(evs)
		evs = append(evs, event{name, data})
	}
	ev("response.created", map[string]any{"response": responseObject(m, now, "in_progress", []any{})})
	ev("response.in_progress", map[string]any{"response": responseObject(m, now, "in_progress", []any{})})
	ev("response.output_item.added", map[string]any{"output_index": 0, "item": map[string]any{
		"id": "msg_mock", "type": "message", "status": "in_progress", "role": "assistant", "content": []any{}}})
	ev("response.content_part.added", map[string]any{"item_id": "msg_mock", "output_index": 0, "content_index": 0,
		"part": map[string]any{"type": "output_text", "text": "", "annotations": []any{}}})
	ev("response.output_text.delta", map[string]any{"item_id": "msg_mock", "output_index": 0, "content_index": 0, "delta": Reply, "logprobs": []any{}})
	ev("response.output_text.done", map[string]any{"item_id": "msg_mock", "output_index": 0, "content_index": 0, "text": Reply, "logprobs": []any{}})
	ev("response.content_part.done", map[string]any{"item_id": "msg_mock", "output_index": 0, "content_index": 0,
		"part": map[string]any{"type": "output_text", "text": Reply, "annotations": []any{}}})
	ev("response.output_item.done", map[string]any{"output_index": 0, "item": responseMessage()})
	ev("response.completed", map[string]any{"response": responseObject(m, now, "completed", []any{responseMessage()})})
	return evs
}

func responseMessage() map[string]any {
	return map[string]any{"id": "msg_mock", "type": "message", "status": "completed", "role": "assistant",
		"content": []any{map[string]any{"type": "output_text", "text": Reply, "annotations": []any{}}}}
}

func responseObject(model string, created int64, status string, output []any) map[string]any {
	r := map[string]any{"id": "resp_mock", "object": "response", "created_at": created, "status": status, "model": model,
		"output": output, "incomplete_details": nil, "error": nil}
	if status == "completed" {
		r["usage"] = map[string]any{"input_tokens": 12, "input_tokens_details": map[string]any{"cached_tokens": 0},
			"output_tokens": 8, "output_tokens_details": map[string]any{"reasoning_tokens": 0}, "total_tokens": 20}
	}
	return r
}

func openaiResponse(w http.ResponseWriter, req Request) {
	if !req.Stream {
		writeJSON(w, responseObject(model(req, "gpt-5"), time.Now().Unix(), "completed", []any{responseMessage()}))
		return
	}
	e := newSSE(w)
	for _, ev := range responseEvents(req.Model) {
		e.event(ev.name, ev.data)
	}
}

func openaiChat(w http.ResponseWriter, req Request) {
	m := model(req, "gpt-5")
	now := time.Now().Unix()
	usage := map[string]any{"prompt_tokens": 12, "completion_tokens": 8, "total_tokens": 20}
	if !req.Stream {
		writeJSON(w, map[string]any{"id": "chatcmpl-mock", "object": "chat.completion", "created": now, "model": m,
			"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": Reply}, "finish_reason": "stop"}},
			"usage":   usage})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	f, _ := w.(http.Flusher)
	chunk := func(delta map[string]any, finish any, u any) {
		b, _ := json.Marshal(map[string]any{"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": now, "model": m,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}, "usage": u})
		fmt.Fprintf(w, "data: %s\n\n", b)
		if f != nil {
			f.Flush()
		}
	}
	chunk(map[string]any{"role": "assistant", "content": ""}, nil, nil)
	chunk(map[string]any{"content": Reply}, nil, nil)
	chunk(map[string]any{}, "stop", usage)
	fmt.Fprint(w, "data: [DONE]\n\n")
}

func models(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("anthropic-version") != "" || r.Header.Get("x-api-key") != "" || strings.Contains(r.Header.Get("anthropic-beta"), "oauth") {
		writeJSON(w, map[string]any{"data": []any{
			map[string]any{"type": "model", "id": "claude-sonnet-4-5", "display_name": "Claude Sonnet 4.5", "created_at": "2025-09-29T00:00:00Z"},
		}, "has_more": false, "first_id": "claude-sonnet-4-5", "last_id": "claude-sonnet-4-5"})
		return
	}
	writeJSON(w, map[string]any{"object": "list", "data": []any{
		map[string]any{"id": "gpt-5", "object": "model", "created": 0, "owned_by": "openai"},
	}})
}

// Format writes one line per request: the method and path, "websocket" for an upgrade,
// then each recorded header as name=value (values verbatim, an empty one as name=), in the
// order of AuthHeaders.
func Format(w io.Writer, reqs []Request) {
	for _, r := range reqs {
		var b strings.Builder
		b.WriteString(r.Method + " " + r.Path)
		if r.WebSocket {
			b.WriteString(" websocket")
		}
		for _, name := range AuthHeaders {
			if v, ok := r.Header[name]; ok {
				b.WriteString(" " + name + "=" + v)
			}
		}
		fmt.Fprintln(w, b.String())
	}
}

// OAuthBeta is the anthropic-beta flag that makes the Anthropic API read a Bearer token as
// an OAuth login.
const OAuthBeta = "oauth-2025-04-20"

// Credentials summarizes how the requests to path (without query) carried their
// credential: one line per distinct way, sorted. A line lists x-api-key=V and
// authorization=V when sent (values verbatim), then "oauth-beta" when anthropic-beta names
// OAuthBeta; a request with none of them is "no-credential". A path that saw no request
// is an error.
func Credentials(reqs []Request, path string) ([]string, error) {
	seen := map[string]bool{}
	for _, r := range reqs {
		if r.Path != path {
			continue
		}
		var parts []string
		for _, name := range []string{"x-api-key", "authorization", "x-goog-api-key"} {
			if v, ok := r.Header[name]; ok {
				parts = append(parts, name+"="+v)
			}
		}
		for _, beta := range strings.Split(r.Header["anthropic-beta"], ",") {
			if strings.TrimSpace(beta) == OAuthBeta {
				parts = append(parts, "oauth-beta")
				break
			}
		}
		if len(parts) == 0 {
			parts = []string{"no-credential"}
		}
		seen[strings.Join(parts, " ")] = true
	}
	if len(seen) == 0 {
		return nil, errors.New("no request to " + path)
	}
	lines := make([]string, 0, len(seen))
	for l := range seen {
		lines = append(lines, l)
	}
	sort.Strings(lines)
	return lines, nil
}
