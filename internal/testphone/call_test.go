package testphone

import (
	"strings"
	"testing"

	"github.com/emiago/sipgo/sip"
)

func TestDialogRequestUsesRouteSetAndTags(t *testing.T) {
	p := newPhone(t, Config{User: "alice"})
	c := p.newCall(true)
	c.callID = "call-1"
	c.local = nameAddr{uri: p.aor()}
	c.remote = nameAddr{uri: sip.Uri{Scheme: "sip", User: "bob", Host: "pbx.test"}}
	c.remoteTag = "remote-tag"
	c.remoteTarget = sip.Uri{Scheme: "sip", User: "bob", Host: "192.0.2.7", Port: 5080}
	c.routeSet = splitRoutes([]string{"<sip:proxy.test:5070;lr>, <sip:edge.test;lr>"})

	c.mu.Lock()
	req := c.dialogRequestLocked(sip.BYE, 7)
	c.mu.Unlock()

	if got := req.Recipient.String(); got != "sip:bob@192.0.2.7:5080" {
		t.Errorf("Request-URI %s, want the remote target", got)
	}
	if got := req.Destination(); got != "proxy.test:5070" {
		t.Errorf("destination %s, want the first route", got)
	}
	routes := req.GetHeaders("Route")
	if len(routes) != 2 || !strings.Contains(routes[0].Value(), "proxy.test") || !strings.Contains(routes[1].Value(), "edge.test") {
		t.Errorf("Route headers %v", routes)
	}
	if tag, _ := req.From().Params.Get("tag"); tag != c.localTag {
		t.Errorf("From tag %q, want %q", tag, c.localTag)
	}
	if tag, _ := req.To().Params.Get("tag"); tag != "remote-tag" {
		t.Errorf("To tag %q", tag)
	}
	if cs := req.CSeq(); cs.SeqNo != 7 || cs.MethodName != sip.BYE {
		t.Errorf("CSeq %v", cs)
	}
	if ct := req.Contact(); ct == nil || ct.Address.Port != int(p.Addr().Port()) {
		t.Errorf("Contact %v", ct)
	}
}

func TestCancelRequest(t *testing.T) {
	inv := sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", User: "600", Host: "pbx.test"})
	via := &sip.ViaHeader{ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: "UDP", Host: "127.0.0.1", Port: 5062, Params: sip.NewParams()}
	via.Params.Add("branch", "z9hG4bK-1")
	callID := sip.CallIDHeader("x")
	inv.AppendHeader(via)
	inv.AppendHeader(&sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: "a", Host: "pbx.test"}, Params: sip.HeaderParams{{K: "tag", V: "f"}}})
	inv.AppendHeader(&sip.ToHeader{Address: sip.Uri{Scheme: "sip", User: "600", Host: "pbx.test"}})
	inv.AppendHeader(&callID)
	inv.AppendHeader(&sip.CSeqHeader{SeqNo: 3, MethodName: sip.INVITE})
	inv.AppendHeader(sip.NewHeader("Route", "<sip:edge.test;lr>"))
	inv.SetDestination("127.0.0.1:5060")

	c := cancelFor(inv)
	if c.Method != sip.CANCEL || c.Recipient.String() != inv.Recipient.String() {
		t.Errorf("start line %s", c.StartLine())
	}
	if b, _ := c.Via().Params.Get("branch"); b != "z9hG4bK-1" {
		t.Errorf("CANCEL branch %q, want the INVITE's", b)
	}
	if cs := c.CSeq(); cs.SeqNo != 3 || cs.MethodName != sip.CANCEL {
		t.Errorf("CSeq %v", cs)
	}
	if c.GetHeader("Route") == nil || c.Destination() != "127.0.0.1:5060" {
		t.Errorf("route %v destination %s", c.GetHeader("Route"), c.Destination())
	}
}
