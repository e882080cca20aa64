package shellinit

import "github.com/amika-dev/amika/discovery"

// loginOverride is the warning a refresh gives when it first exports an API key that takes
// Claude Code off its own login (see discovery.LoginOverride): only the refresh that sets
// ANTHROPIC_API_KEY where amika had not exported it warns, and names the way out: a
// provider filter that leaves anthropic out. (--lazy is none: its claude wrapper hands
// Claude Code the same key.)
func loginOverride(res discovery.Result, as []discovery.Assignment, r Refresh) []discovery.Warning {
	newly := func(name string) bool {
		for _, c := range r.Changes {
			if c.Name == name && c.Op == OpSetIfUnset {
				return true
			}
		}
		return false
	}
	warns := discovery.LoginOverride(res, as, newly)
	for i := range warns {
		sh := string(r.Shell)
		warns[i].Reason += "; to keep the subscription, leave anthropic out of what the hook exports (amika init " + sh + " openai …)"
	}
	return warns
}
