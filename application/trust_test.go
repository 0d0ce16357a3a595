package application_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/monhook/monhook/application"
	"github.com/monhook/monhook/domain/source/sourcekit"
	"github.com/monhook/monhook/domain/trust"
	"github.com/monhook/monhook/domain/trust/trusttest"
)

const certURL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123.pem"

// verifying is a Parse whose certificates are the test key's, recording what it fetches and confirms.
func verifying(t *testing.T) (*application.Parse, *fakeConfirmer, *fakeCertificates) {
	c := &fakeConfirmer{}
	certs := &fakeCertificates{cert: &x509.Certificate{PublicKey: &trusttest.Key(t).PublicKey}}
	return application.NewParse(c, certs, fixedClock(at), sourcekit.DefaultBudget), c, certs
}

func signedAlarm(t *testing.T, version string) map[string]any {
	alarm := `{"AlarmName": "cpu", "NewStateValue": "ALARM", "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:cpu"}`
	return trusttest.Sign(t, trusttest.Key(t), trusttest.Notification(certURL, alarm), version)
}

func TestEnforceReadsOnlySignedMessages(t *testing.T) {
	for _, version := range []string{"1", "2"} {
		uc, _, certs := verifying(t)
		res, err := uc.Handle(context.Background(), map[string]any{"sns_verify": "enforce"}, signedAlarm(t, version))
		if err != nil {
			t.Fatalf("v%s: %v", version, err)
		}
		if len(res.Events) != 1 || res.Events[0].Key != "arn:aws:cloudwatch:us-east-1:123456789012:alarm:cpu" {
			t.Errorf("v%s: events %+v", version, res.Events)
		}
		if res.Signature != (trust.Check{Mode: "enforce", Outcome: trust.Verified, Topic: trusttest.Topic}) {
			t.Errorf("v%s: check %+v", version, res.Signature)
		}
		if len(certs.urls) != 1 || certs.urls[0] != certURL {
			t.Errorf("v%s: fetched %v", version, certs.urls)
		}
	}
	// Tampered, unsigned, another source: refused with the reason.
	tampered := signedAlarm(t, "2")
	tampered["Message"] = strings.Replace(tampered["Message"].(string), "ALARM", "OK", 1)
	for name, tt := range map[string]struct {
		body     map[string]any
		unsigned bool
		reason   string
	}{
		"tampered":         {tampered, false, "its Signature does not match"},
		"unsigned":         {trusttest.Notification(certURL, "hello"), true, "it has no Signature"},
		"a generic body":   {map[string]any{"event_key": "k", "title": "t"}, true, "it has no Signature"},
		"a raw CW alarm":   {map[string]any{"AlarmName": "cpu", "NewStateValue": "OK"}, true, "it has no Signature"},
		"an OCI handshake": {map[string]any{"ConfirmationURL": "https://cell1.notification.us-ashburn-1.oci.oraclecloud.com/x"}, true, "it has no Signature"},
	} {
		uc, c, _ := verifying(t)
		res, err := uc.Handle(context.Background(), map[string]any{"sns_verify": "enforce"}, tt.body)
		var se *trust.SignatureError
		if !errors.As(err, &se) || se.Unsigned != tt.unsigned || !strings.Contains(se.Reason, tt.reason) {
			t.Errorf("%s: %v", name, err)
		}
		if want := map[bool]trust.Outcome{true: trust.Unsigned, false: trust.Failed}[tt.unsigned]; res.Signature.Outcome != want || res.Signature.Mode != "enforce" {
			t.Errorf("%s: check %+v beside the error", name, res.Signature)
		}
		if len(c.subs) != 0 {
			t.Errorf("%s: confirmed %v", name, c.subs)
		}
	}
}

// TestEnforceDropsWhatIsNotSigned: a key added to a signed body (here one that would key the event) does not reach
// the parser or a template.
func TestEnforceDropsWhatIsNotSigned(t *testing.T) {
	body := signedAlarm(t, "2")
	body["MessageAttributes"] = map[string]any{"x": "y"}
	opts := map[string]any{"sns_verify": "enforce", "convert_data": map[string]any{"title": "[{{ MessageAttributes.x }}] {{ AlarmName }}"}}
	uc, _, _ := verifying(t)
	res, err := uc.Handle(context.Background(), opts, body)
	if err != nil {
		t.Fatal(err)
	}
	if res.Events[0].Title != "[] cpu" {
		t.Errorf("title %q: an unsigned field reached the template", res.Events[0].Title)
	}
	opts["sns_verify"] = "log"
	res, _ = uc.Handle(context.Background(), opts, body)
	if res.Events[0].Title != "[y] cpu" {
		t.Errorf("log mode title %q: log reads the body as it is", res.Events[0].Title)
	}
}

func TestLogReadsEveryBodyAndReportsTheCheck(t *testing.T) {
	tampered := signedAlarm(t, "1")
	tampered["Subject"] = "changed"
	for name, tt := range map[string]struct {
		body    map[string]any
		outcome trust.Outcome
	}{
		"signed":   {signedAlarm(t, "1"), trust.Verified},
		"tampered": {tampered, trust.Failed},
		"generic":  {map[string]any{"event_key": "k", "title": "t"}, trust.Unsigned},
	} {
		uc, _, _ := verifying(t)
		res, err := uc.Handle(context.Background(), map[string]any{"sns_verify": "log"}, tt.body)
		if err != nil || len(res.Events) != 1 {
			t.Fatalf("%s: %v, %d events", name, err, len(res.Events))
		}
		if res.Signature.Mode != "log" || res.Signature.Outcome != tt.outcome {
			t.Errorf("%s: check %+v, want %s", name, res.Signature, tt.outcome)
		}
	}
}

// TestOffCostsNothing: with sns_verify off no certificate is asked for, and the check is empty.
func TestOffCostsNothing(t *testing.T) {
	uc, _, certs := verifying(t)
	res, err := uc.Handle(context.Background(), map[string]any{}, signedAlarm(t, "2"))
	if err != nil || len(res.Events) != 1 || res.Signature != (trust.Check{}) || len(certs.urls) != 0 {
		t.Errorf("off: %v, %+v, fetched %v", err, res.Signature, certs.urls)
	}
}

func TestAConfirmationIsConfirmedOnlyOnceItsSignatureVerifies(t *testing.T) {
	subscribe := "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=" + trusttest.Topic + "&Token=k"
	signed := trusttest.Sign(t, trusttest.Key(t), trusttest.Confirmation(certURL, subscribe), "2")
	tampered := maps.Clone(signed)
	tampered["SubscribeURL"] = subscribe + "x"
	for _, mode := range []string{"log", "enforce"} {
		uc, c, _ := verifying(t)
		if _, err := uc.Handle(context.Background(), map[string]any{"sns_verify": mode}, signed); err != nil || len(c.subs) != 1 || c.subs[0].URL != subscribe {
			t.Errorf("%s, signed: %v, confirmed %v", mode, err, c.subs)
		}
		uc, c, _ = verifying(t)
		_, err := uc.Handle(context.Background(), map[string]any{"sns_verify": mode}, tampered)
		if err == nil || len(c.subs) != 0 {
			t.Errorf("%s, tampered: %v, confirmed %v", mode, err, c.subs)
		}
		var ce *application.ConfirmError
		if mode == "log" && (!errors.As(err, &ce) || !strings.Contains(err.Error(), "signature was not verified")) {
			t.Errorf("log, tampered: %v, want the confirmation refused", err)
		}
	}
	// Off: confirmed as before, signature or not.
	uc, c, _ := verifying(t)
	if _, err := uc.Handle(context.Background(), map[string]any{}, tampered); err != nil || len(c.subs) != 1 {
		t.Errorf("off: %v, confirmed %v", err, c.subs)
	}
}

// TestACertificateThatIsNotAcceptedFailsTheSignature: the fetcher's refusal is the failure's reason.
func TestACertificateThatIsNotAcceptedFailsTheSignature(t *testing.T) {
	c := &fakeConfirmer{}
	certs := &fakeCertificates{err: errors.New("its host evil.example is not SNS's for region us-east-1")}
	uc := application.NewParse(c, certs, fixedClock(at), sourcekit.DefaultBudget)
	_, err := uc.Handle(context.Background(), map[string]any{"sns_verify": "enforce"}, signedAlarm(t, "2"))
	var se *trust.SignatureError
	if !errors.As(err, &se) || !strings.Contains(se.Reason, "its signing certificate was not accepted: its host evil.example") {
		t.Errorf("%v", err)
	}
	// A call that ends while the certificate is fetched answers with its context's end.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	certs.err = context.Canceled
	if _, err := uc.Handle(ctx, map[string]any{"sns_verify": "log"}, signedAlarm(t, "2")); !errors.Is(err, context.Canceled) {
		t.Errorf("an ended call: %v", err)
	}
}

// TestTopicsAndSecretsAreCheckedBeforeAnyFetch: a body from another topic, or without the secret, costs no
// certificate request, whatever the mode.
func TestTopicsAndSecretsAreCheckedBeforeAnyFetch(t *testing.T) {
	other := trusttest.Notification(certURL, "hello")
	other["TopicArn"] = "arn:aws:sns:us-east-1:123456789012:other"
	other = trusttest.Sign(t, trusttest.Key(t), other, "2")
	for _, mode := range []string{"off", "log", "enforce"} {
		uc, _, certs := verifying(t)
		_, err := uc.Handle(context.Background(), map[string]any{"sns_verify": mode, "sns_topic_arns": []any{trusttest.Topic}}, other)
		var te *trust.TopicError
		if !errors.As(err, &te) || len(certs.urls) != 0 {
			t.Errorf("%s, another topic: %v, fetched %v", mode, err, certs.urls)
		}
		_, err = uc.Handle(context.Background(), map[string]any{"sns_verify": mode, "body_secret": map[string]any{"path": "secret", "value": "0123456789abcdef"}}, signedAlarm(t, "2"))
		var se *trust.SecretError
		if !errors.As(err, &se) || !se.Missing || len(certs.urls) != 0 {
			t.Errorf("%s, no secret: %v, fetched %v", mode, err, certs.urls)
		}
	}
	uc, _, _ := verifying(t)
	if _, err := uc.Handle(context.Background(), map[string]any{"sns_verify": "enforce", "sns_topic_arns": []any{"arn:aws:sns:us-east-1:123456789012:*"}}, signedAlarm(t, "2")); err != nil {
		t.Errorf("the listed topic: %v", err)
	}
}

// TestTheSecretNeverReachesAnEvent: with the secret, the body is read without its field, by every source.
func TestTheSecretNeverReachesAnEvent(t *testing.T) {
	const secret = "correct-horse-battery-staple"
	opts := map[string]any{"body_secret": map[string]any{"path": "monhook_secret", "value": secret}}
	for name, body := range map[string]map[string]any{
		"generic":    {"event_key": "k", "title": "t", "additional_info": map[string]any{"a": "b"}, "monhook_secret": secret},
		"new relic":  {"id": "1", "issueUrl": "https://one.newrelic.com/x", "state": "ACTIVATED", "title": "t", "monhook_secret": secret},
		"a template": {"event_key": "k", "title": "t", "monhook_secret": secret},
	} {
		uc, _, _ := verifying(t)
		opts["convert_data"] = map[string]any{"description": "[{{ monhook_secret }}]"}
		res, err := uc.Handle(context.Background(), opts, body)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, e := range res.Events {
			for k, v := range e.AdditionalInfo {
				if strings.Contains(v, secret) || strings.Contains(k, "monhook_secret") {
					t.Errorf("%s: additional_info %s = %q", name, k, v)
				}
			}
			if strings.Contains(e.Title+e.Description, secret) || e.Description != "[]" {
				t.Errorf("%s: the secret is in the event %+v", name, e)
			}
		}
		if body["monhook_secret"] != secret {
			t.Errorf("%s: the caller's body changed", name)
		}
	}
}

// TestEnforceKeepsTheSecretOut: under enforce the body read is the signed fields of the body without the secret,
// even when the secret is itself a signed field (here Subject, which a CloudWatch alarm's title comes from): it
// is checked, signed, and then reaches no event.
func TestEnforceKeepsTheSecretOut(t *testing.T) {
	const secret = "correct-horse-battery-staple"
	alarm := `{"AlarmName": "cpu", "NewStateValue": "ALARM", "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:cpu"}`
	note := trusttest.Notification(certURL, alarm)
	note["Subject"] = secret
	body := trusttest.Sign(t, trusttest.Key(t), note, "2")
	opts := map[string]any{"sns_verify": "enforce", "body_secret": map[string]any{"path": "Subject", "value": secret},
		"convert_data": map[string]any{"description": "[{{ Subject }}]"}}
	uc, _, _ := verifying(t)
	res, err := uc.Handle(context.Background(), opts, body)
	if err != nil {
		t.Fatal(err)
	}
	if res.Signature.Outcome != trust.Verified || len(res.Events) != 1 {
		t.Fatalf("check %+v, %d events", res.Signature, len(res.Events))
	}
	e := res.Events[0]
	shown := fmt.Sprintf("%+v", e)
	if strings.Contains(shown, secret) || e.Description != "[]" {
		t.Errorf("the secret is in the event: %s", shown)
	}
	if body["Subject"] != secret {
		t.Error("the caller's body changed")
	}
}
