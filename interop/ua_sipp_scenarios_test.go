package interop

// SIPp scenarios that play the far end of a call with sk400vop's UA (see
// ua_sipp_test.go). Each checks what our UA sends with ereg actions
// (check_it fails the SIPp call, so SIPp exits non-zero) and ends with a
// short timewait: our UA's timers run on a virtual clock, so nothing is
// retransmitted to it unless a test advances that clock.

import "strings"

// sippHeader is the head of every scenario.
const sippHeader = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
`

// sippSDP is SIPp's session description: PCMU on its media port.
const sippSDP = `
      v=0
      o=sipp 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000
`

// sippScenario fills the {{SDP}} placeholders of a scenario body.
func sippScenario(body string) string {
	return sippHeader + strings.ReplaceAll(body, "{{SDP}}", sippSDP)
}

// sippUAS100rel answers an INVITE that offers 100rel with a reliable 183
// carrying its answer (Require: 100rel, RSeq: 1), retransmitted until the
// PRACK, which must say "RAck: 1 <INVITE CSeq> INVITE" (RFC 3262 §7.2).
// It answers the PRACK 200, then the INVITE 200 (the INVITE's Via and
// CSeq were saved, since [last_*] now names the PRACK), takes the ACK and
// waits for our BYE.
var sippUAS100rel = sippScenario(`<scenario name="sk400vop uas 100rel">
  <recv request="INVITE" crlf="true">
    <action>
      <ereg regexp="100rel" search_in="hdr" header="Supported:" check_it="true" assign_to="sup"/>
      <ereg regexp="[^ ].*" search_in="hdr" header="Via:" assign_to="ivia"/>
      <ereg regexp="([0-9]+) INVITE" search_in="hdr" header="CSeq:" check_it="true" assign_to="icseq,icseqn"/>
    </action>
  </recv>
  <Reference variables="sup,icseq"/>
  <send retrans="500">
    <![CDATA[
      SIP/2.0 183 Session Progress
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Require: 100rel
      RSeq: 1
      Content-Type: application/sdp
      Content-Length: [len]
{{SDP}}
    ]]>
  </send>
  <recv request="PRACK" crlf="true">
    <action>
      <ereg regexp="^ *1 ([0-9]+) INVITE *$" search_in="hdr" header="RAck:" check_it="true" assign_to="rack,racknum"/>
      <strcmp assign_to="rackcmp" variable="racknum" variable2="icseqn" check_it="true"/>
    </action>
  </recv>
  <Reference variables="rack,rackcmp"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]>
  </send>
  <send retrans="500">
    <![CDATA[
      SIP/2.0 200 OK
      Via: [$ivia]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      CSeq: [$icseqn] INVITE
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Length: 0
    ]]>
  </send>
  <recv request="ACK" crlf="true"/>
  <recv request="BYE"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]>
  </send>
  <timewait milliseconds="200"/>
</scenario>
`)

// sippUACHold calls [service]@remote with a PCMU offer, ACKs the 200, then
// puts the call on hold with a re-INVITE whose offer is sendonly (RFC 3264
// §8.4): the 200 must carry an answer that says recvonly. It ACKs that
// and hangs up with BYE.
var sippUACHold = sippScenario(`<scenario name="sk400vop uac re-INVITE hold">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]
{{SDP}}
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true" rrs="true">
    <action>
      <ereg regexp="a=sendrecv|m=audio [1-9]" search_in="body" check_it="true" assign_to="ans1"/>
    </action>
  </recv>
  <Reference variables="ans1"/>
  <send>
    <![CDATA[
      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      [routes]
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <pause milliseconds="100"/>
  <send retrans="500">
    <![CDATA[
      INVITE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 INVITE
      [routes]
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=sipp 53655765 2353687638 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000
      a=sendonly
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="200">
    <action>
      <ereg regexp="CSeq: *2 INVITE" search_in="msg" check_it="true" assign_to="cseq2"/>
      <ereg regexp="a=recvonly" search_in="body" check_it="true" assign_to="recvonly"/>
      <ereg regexp="a=(sendrecv|sendonly|inactive)" search_in="body" check_it_inverse="true" assign_to="notrecvonly"/>
    </action>
  </recv>
  <Reference variables="cseq2,recvonly,notrecvonly"/>
  <send>
    <![CDATA[
      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 ACK
      [routes]
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <pause milliseconds="100"/>
  <send retrans="500">
    <![CDATA[
      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 3 BYE
      [routes]
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv response="200" crlf="true">
    <action>
      <ereg regexp="CSeq: *3 BYE" search_in="msg" check_it="true" assign_to="cseq3"/>
    </action>
  </recv>
  <Reference variables="cseq3"/>
</scenario>
`)

// sippUASTimer answers an INVITE that asks for a 90 s session timer
// (Session-Expires: 90, Supported: timer) with a 200 that sets it:
// "Session-Expires: 90;refresher=<refresher>", "Require: timer", and an
// Allow that lists UPDATE or not. What follows the ACK is after.
func sippUASTimer(name, refresher string, allowUpdate bool, after string) string {
	allow := "INVITE, ACK, BYE, CANCEL, OPTIONS"
	if allowUpdate {
		allow += ", UPDATE"
	}
	r := strings.NewReplacer("{{NAME}}", name, "{{REFRESHER}}", refresher, "{{ALLOW}}", allow, "{{AFTER}}", after)
	return sippScenario(r.Replace(`<scenario name="sk400vop uas session timer {{NAME}}">
  <recv request="INVITE" crlf="true">
    <action>
      <ereg regexp="^ *90( *;.*)?$" search_in="hdr" header="Session-Expires:" check_it="true" assign_to="se"/>
      <ereg regexp="timer" search_in="hdr" header="Supported:" check_it="true" assign_to="sup"/>
    </action>
  </recv>
  <Reference variables="se,sup"/>
  <send retrans="500">
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Allow: {{ALLOW}}
      Supported: timer
      Require: timer
      Session-Expires: 90;refresher={{REFRESHER}}
      Content-Type: application/sdp
      Content-Length: [len]
{{SDP}}
    ]]>
  </send>
  <recv request="ACK" crlf="true"/>
{{AFTER}}
  <recv request="BYE"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]>
  </send>
  <timewait milliseconds="200"/>
</scenario>
`))
}

// sippRefreshUPDATE takes a session refresh by UPDATE (RFC 4028 §7.4: no
// body, Session-Expires with refresher=uac) and answers 200 keeping us the
// refresher.
const sippRefreshUPDATE = `
  <recv request="UPDATE">
    <action>
      <ereg regexp="^ *90 *; *refresher=uac *$" search_in="hdr" header="Session-Expires:" check_it="true" assign_to="use"/>
      <ereg regexp="^ *0 *$" search_in="hdr" header="Content-Length:" check_it="true" assign_to="ubody"/>
    </action>
  </recv>
  <Reference variables="use,ubody"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Require: timer
      Session-Expires: 90;refresher=uac
      Content-Length: 0
    ]]>
  </send>
`

// sippRefreshReINVITE takes a session refresh by re-INVITE (the offer of
// the session as it stands, Session-Expires with refresher=uac), answers
// it 200 with SDP and the timer, and takes the ACK.
var sippRefreshReINVITE = strings.ReplaceAll(`
  <recv request="INVITE">
    <action>
      <ereg regexp="^ *90 *; *refresher=uac *$" search_in="hdr" header="Session-Expires:" check_it="true" assign_to="rse"/>
      <ereg regexp="m=audio" search_in="body" check_it="true" assign_to="roffer"/>
    </action>
  </recv>
  <Reference variables="rse,roffer"/>
  <send retrans="500">
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Require: timer
      Session-Expires: 90;refresher=uac
      Content-Type: application/sdp
      Content-Length: [len]
{{SDP}}
    ]]>
  </send>
  <recv request="ACK" crlf="true"/>
`, "{{SDP}}", sippSDP)

// sippUASForked plays a forking proxy's two branches for one INVITE: 180
// from branch A (To tag forkA, Contact sip:forkA@SIPp), 180 from branch B
// (forkB), then a 200 from each, both with an answer. The caller must
// confirm A, ACK both 2xx, each on its own dialog, and end B's at once
// with BYE (RFC 3261 §13.2.2.4). SIPp checks the two ACKs and the BYE by
// To tag and Request-URI, answers the BYE, and then takes our BYE for A.
// B's 200 goes once A's ACK is in: SIPp counts a message that arrives
// while it still has something to send as unexpected, and fails.
var sippUASForked = sippScenario(`<scenario name="sk400vop uas forked 2xx">
  <recv request="INVITE" crlf="true">
    <action>
      <ereg regexp="[^ ].*" search_in="hdr" header="Via:" assign_to="ivia"/>
      <ereg regexp="[^ ].*" search_in="hdr" header="To:" assign_to="ito"/>
      <ereg regexp="[^ ].*" search_in="hdr" header="CSeq:" assign_to="icseq"/>
    </action>
  </recv>
  <send>
    <![CDATA[
      SIP/2.0 180 Ringing
      [last_Via:]
      [last_From:]
      [last_To:];tag=forkA
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:forkA@[local_ip]:[local_port];transport=[transport]>
      Content-Length: 0
    ]]>
  </send>
  <send>
    <![CDATA[
      SIP/2.0 180 Ringing
      [last_Via:]
      [last_From:]
      [last_To:];tag=forkB
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:forkB@[local_ip]:[local_port];transport=[transport]>
      Content-Length: 0
    ]]>
  </send>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=forkA
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:forkA@[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]
{{SDP}}
    ]]>
  </send>
  <recv request="ACK">
    <action>
      <ereg regexp="^ACK sip:forkA@" search_in="msg" check_it="true" assign_to="ackAuri"/>
      <ereg regexp=";tag=forkA([; ]|$)" search_in="hdr" header="To:" check_it="true" assign_to="ackA"/>
      <ereg regexp="^ *1 ACK" search_in="hdr" header="CSeq:" check_it="true" assign_to="ackAseq"/>
    </action>
  </recv>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      Via: [$ivia]
      [last_From:]
      To: [$ito];tag=forkB
      [last_Call-ID:]
      CSeq: [$icseq]
      Contact: <sip:forkB@[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=sippB 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000
    ]]>
  </send>
  <recv request="ACK">
    <action>
      <ereg regexp="^ACK sip:forkB@" search_in="msg" check_it="true" assign_to="ackBuri"/>
      <ereg regexp=";tag=forkB([; ]|$)" search_in="hdr" header="To:" check_it="true" assign_to="ackB"/>
      <ereg regexp="^ *1 ACK" search_in="hdr" header="CSeq:" check_it="true" assign_to="ackBseq"/>
    </action>
  </recv>
  <recv request="BYE">
    <action>
      <ereg regexp="^BYE sip:forkB@" search_in="msg" check_it="true" assign_to="byeBuri"/>
      <ereg regexp=";tag=forkB([; ]|$)" search_in="hdr" header="To:" check_it="true" assign_to="byeB"/>
    </action>
  </recv>
  <Reference variables="ackAuri,ackA,ackAseq,ackBuri,ackB,ackBseq,byeBuri,byeB"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]>
  </send>
  <recv request="BYE">
    <action>
      <ereg regexp="^BYE sip:forkA@" search_in="msg" check_it="true" assign_to="byeAuri"/>
      <ereg regexp=";tag=forkA([; ]|$)" search_in="hdr" header="To:" check_it="true" assign_to="byeA"/>
    </action>
  </recv>
  <Reference variables="byeAuri,byeA"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]>
  </send>
  <timewait milliseconds="200"/>
</scenario>
`)

// sippUACPeerRefresh calls [service]@remote asking for a 90 s session
// timer that it refreshes itself (Session-Expires: 90;refresher=uac): the
// 200 must agree (Session-Expires: 90;refresher=uac, Require: timer, RFC
// 4028 §9). After 500 ms it refreshes with an UPDATE without body, checks
// the 200 keeps the interval, and after 1 s more hangs up.
var sippUACPeerRefresh = sippScenario(`<scenario name="sk400vop uac refreshes by UPDATE">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      Supported: timer
      Session-Expires: 90;refresher=uac
      Min-SE: 90
      Allow: INVITE, ACK, BYE, CANCEL, UPDATE
      Content-Type: application/sdp
      Content-Length: [len]
{{SDP}}
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rtd="true" rrs="true">
    <action>
      <ereg regexp="^ *90 *; *refresher=uac *$" search_in="hdr" header="Session-Expires:" check_it="true" assign_to="se1"/>
      <ereg regexp="timer" search_in="hdr" header="Require:" check_it="true" assign_to="req1"/>
    </action>
  </recv>
  <Reference variables="se1,req1"/>
  <send>
    <![CDATA[
      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      [routes]
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <pause milliseconds="500"/>
  <send retrans="500">
    <![CDATA[
      UPDATE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 UPDATE
      [routes]
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      Supported: timer
      Session-Expires: 90;refresher=uac
      Content-Length: 0
    ]]>
  </send>
  <recv response="200">
    <action>
      <ereg regexp="CSeq: *2 UPDATE" search_in="msg" check_it="true" assign_to="cseq2"/>
      <ereg regexp="^ *90 *; *refresher=uac *$" search_in="hdr" header="Session-Expires:" check_it="true" assign_to="se2"/>
    </action>
  </recv>
  <Reference variables="cseq2,se2"/>
  <pause milliseconds="1000"/>
  <send retrans="500">
    <![CDATA[
      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 3 BYE
      [routes]
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv response="200" crlf="true"/>
</scenario>
`)
