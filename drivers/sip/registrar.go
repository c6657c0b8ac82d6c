package sip

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// Registrar (RFC 3261 §10.3): REGISTER requests are authenticated with
// digest (always: an endpoint without a password cannot register), then
// their Contact headers add, refresh or remove bindings of the endpoint in
// the [Location] store.

// errRegisterOutOfOrder aborts a REGISTER that repeats an older CSeq of
// the same Call-ID (RFC 3261 §10.3 step 7).
var errRegisterOutOfOrder = errors.New("sip: register out of order")

// authorize runs digest authentication of req for the endpoint it names.
// It responds 401/403 itself and returns the endpoint when the request may
// proceed.
func (d *Driver) authorize(req *sipmsg.Request, tx sipmsg.ServerTransaction, user string) (Endpoint, bool) {
	ip := sourceIP(req)
	hdr := ""
	if h := req.GetHeader("Authorization"); h != nil {
		hdr = h.Value()
	}
	res := d.auth.check(ip, string(req.Method), hdr, func(u string) (string, bool) {
		if u != user {
			return "", false // credentials for another account
		}
		e, ok := d.cfg.Endpoints.Endpoint(u)
		if !ok || e.Password == "" {
			return "", false
		}
		return e.Password, true
	})
	switch res.verdict {
	case authOK:
		e, _ := d.cfg.Endpoints.Endpoint(res.user)
		return e, true
	case authChallenge:
		hdrs := make([]sipmsg.Header, 0, len(d.cfg.Algorithms))
		for _, c := range d.auth.challenges(res.stale) {
			hdrs = append(hdrs, sipmsg.NewHeader("WWW-Authenticate", c))
		}
		d.respond(tx, req, 401, hdrs...)
	default:
		if res.newly {
			d.log.Warn("authentication failures: source blocked", "source", ip.String(), "for", d.cfg.AuthBlock)
		} else if !res.blocked {
			d.log.Debug("authentication failed", "source", ip.String(), "user", user, "method", req.Method)
		}
		d.respond(tx, req, 403)
	}
	return Endpoint{}, false
}

func (d *Driver) handleRegister(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	to := req.To()
	if to == nil || to.Address.User == "" || req.CallID() == nil || req.CSeq() == nil {
		d.respond(tx, req, 400)
		return
	}
	aor := to.Address.User
	ep, ok := d.authorize(req, tx, aor)
	if !ok {
		return
	}
	headerExpires := -1
	if h := req.GetHeader("Expires"); h != nil {
		n, err := strconv.Atoi(strings.TrimSpace(h.Value()))
		if err != nil || n < 0 {
			d.respond(tx, req, 400)
			return
		}
		headerExpires = n
	}
	type change struct {
		contact string
		expires int // seconds; 0 removes
	}
	var changes []change
	wildcard := false
	for _, h := range req.GetHeaders("Contact") {
		ch, ok := h.(*sipmsg.ContactHeader)
		if !ok {
			d.respond(tx, req, 400)
			return
		}
		if ch.Address.Wildcard {
			wildcard = true
			continue
		}
		exp := headerExpires
		if v, ok := ch.Params.Get("expires"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 0 {
				d.respond(tx, req, 400)
				return
			}
			exp = n
		}
		if exp < 0 {
			exp = d.cfg.DefaultExpires
		}
		if exp > 0 && exp < d.cfg.MinExpires {
			d.respond(tx, req, 423, sipmsg.NewHeader("Min-Expires", strconv.Itoa(d.cfg.MinExpires)))
			return
		}
		exp = min(exp, d.cfg.MaxExpires)
		c := ch.Address.Clone()
		changes = append(changes, change{contact: c.String(), expires: exp})
	}
	if wildcard && (len(changes) > 0 || headerExpires != 0) {
		d.respond(tx, req, 400) // "*" only alone and with Expires: 0 (§10.3 step 6)
		return
	}
	callID, cseq := callIDOf(req), req.CSeq().SeqNo
	now := d.now()
	ua := ""
	if h := req.GetHeader("User-Agent"); h != nil {
		ua = h.Value()
	}
	maxContacts := max(ep.MaxContacts, 1)
	var result []Binding
	ctx, cancel := context.WithTimeout(d.ctx, 5*time.Second)
	defer cancel()
	err := d.loc.Update(ctx, aor, now, func(cur []Binding) ([]Binding, error) {
		if wildcard {
			for _, b := range cur {
				if b.CallID == callID && cseq <= b.CSeq {
					return nil, errRegisterOutOfOrder
				}
			}
			result = nil
			return nil, nil
		}
		next := slices.Clone(cur)
		var fresh []string
		for _, ch := range changes {
			i := slices.IndexFunc(next, func(b Binding) bool { return b.Contact == ch.contact })
			if i >= 0 && next[i].CallID == callID && cseq <= next[i].CSeq {
				return nil, errRegisterOutOfOrder
			}
			if ch.expires == 0 {
				if i >= 0 {
					next = slices.Delete(next, i, i+1)
				}
				continue
			}
			b := Binding{
				Contact:   ch.contact,
				Expires:   now.Add(time.Duration(ch.expires) * time.Second),
				CallID:    callID,
				CSeq:      cseq,
				Source:    req.Source(),
				Transport: req.Transport(),
				UserAgent: ua,
			}
			if i >= 0 {
				next[i] = b
			} else {
				next = append(next, b)
			}
			fresh = append(fresh, ch.contact)
		}
		// Over the limit: drop the bindings that expire first, sparing
		// the ones this request just wrote while others remain.
		for len(next) > maxContacts {
			victim := -1
			for i, b := range next {
				if slices.Contains(fresh, b.Contact) {
					continue
				}
				if victim < 0 || b.Expires.Before(next[victim].Expires) {
					victim = i
				}
			}
			if victim < 0 {
				victim = 0
			}
			next = slices.Delete(next, victim, victim+1)
		}
		result = next
		return next, nil
	})
	switch {
	case errors.Is(err, errRegisterOutOfOrder):
		d.respond(tx, req, 500, sipmsg.NewHeader("Retry-After", "1"))
		return
	case err != nil:
		d.log.Error("location update failed", "user", aor, "error", err)
		d.respond(tx, req, 500)
		return
	}
	if len(changes) == 0 && !wildcard {
		// A query (no Contact): list the bindings (§10.3 step 8).
		result, err = d.loc.Lookup(ctx, aor, now)
		if err != nil {
			d.respond(tx, req, 500)
			return
		}
	}
	hdrs := make([]sipmsg.Header, 0, len(result)+1)
	for _, b := range result {
		var u sipmsg.Uri
		if err := sipmsg.ParseUri(b.Contact, &u); err != nil {
			continue
		}
		secs := int(b.Expires.Sub(now).Round(time.Second) / time.Second)
		hdrs = append(hdrs, &sipmsg.ContactHeader{Address: u, Params: sipmsg.HeaderParams{{K: "expires", V: strconv.Itoa(secs)}}})
	}
	hdrs = append(hdrs, sipmsg.NewHeader("Date", now.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")))
	d.log.Debug("register", "user", aor, "bindings", len(result), "source", req.Source())
	d.respond(tx, req, 200, hdrs...)
}

// contacts returns the registered contacts of aor.
func (d *Driver) contacts(ctx context.Context, aor string) ([]Binding, error) {
	return d.loc.Lookup(ctx, aor, d.now())
}
