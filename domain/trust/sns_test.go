package trust_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/monhook/monhook/domain/trust"
	"github.com/monhook/monhook/domain/trust/trusttest"
)

func readJSON(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func readCert(t *testing.T, name string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		t.Fatalf("%s holds no PEM block", name)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRealSNSMessagesVerify checks messages Amazon SNS really signed (AWS's SDKs keep them as test data; see
// testdata/README.md) against the real certificates they name, and that changing any signed field breaks them.
func TestRealSNSMessagesVerify(t *testing.T) {
	javaCert := readCert(t, "aws-sdk-java-SimpleNotificationService-bb750dd426d95ee9390147a5624348ee.pem")
	rubyCert := readCert(t, "aws-sdk-ruby-SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem")
	for file, cert := range map[string]*x509.Certificate{
		"aws-sdk-java-notification-v1.json":        javaCert,
		"aws-sdk-ruby-notification-v1.json":        rubyCert,
		"aws-sdk-ruby-notification-v2.json":        rubyCert,
		"aws-sdk-ruby-lambda-notification-v1.json": rubyCert,
	} {
		body := readJSON(t, file)
		m, err := trust.ReadSNS(body)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if err := m.Verify(cert.PublicKey); err != nil {
			t.Errorf("%s: %v", file, err)
		}
		if m.CertURL != "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-bb750dd426d95ee9390147a5624348ee.pem" &&
			m.CertURL != "https://sns.us-east-2.amazonaws.com/SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem" {
			t.Errorf("%s: CertURL %q", file, m.CertURL)
		}
		for _, k := range []string{"Message", "MessageId", "Timestamp", "TopicArn"} {
			tampered := maps.Clone(body)
			tampered[k] = body[k].(string) + " "
			if m, err := trust.ReadSNS(tampered); err != nil || m.Verify(cert.PublicKey) == nil {
				t.Errorf("%s with %s changed still verifies (%v)", file, k, err)
			}
		}
		// Fields outside the signature may change: SNS does not sign them, which is why enforce drops them.
		free := maps.Clone(body)
		unsubscribe := "UnsubscribeURL"
		if _, lambda := body["UnsubscribeUrl"]; lambda {
			unsubscribe = "UnsubscribeUrl" // both spellings with different values are refused
		}
		free[unsubscribe], free["MessageAttributes"] = "https://evil.example/", map[string]any{"x": "y"}
		if m, err := trust.ReadSNS(free); err != nil || m.Verify(cert.PublicKey) != nil {
			t.Errorf("%s: an unsigned field changed the verification (%v)", file, err)
		}
	}
	// A message is not verified by another certificate.
	m, _ := trust.ReadSNS(readJSON(t, "aws-sdk-ruby-notification-v2.json"))
	if err := m.Verify(javaCert.PublicKey); err == nil {
		t.Error("a message verified with another certificate's key")
	}
}

// TestStringToSignGoldenVectors spells out AWS's rule for each shape: the keys of the message's type present with a
// value other than null, in their order, each as "Key\nValue\n", over the JSON-decoded strings.
func TestStringToSignGoldenVectors(t *testing.T) {
	note := trusttest.Notification("https://sns.us-east-1.amazonaws.com/x.pem", "line one\nline \"two\" é\t")
	noSubject := maps.Clone(note)
	delete(noSubject, "Subject")
	nullSubject := maps.Clone(note)
	nullSubject["Subject"] = nil
	emptySubject := maps.Clone(note)
	emptySubject["Subject"] = ""
	confirm := trusttest.Confirmation("https://sns.us-east-1.amazonaws.com/x.pem", "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=t&Token=k")
	unsubscribe := maps.Clone(confirm)
	unsubscribe["Type"] = "UnsubscribeConfirmation"

	const tail = "Timestamp\n2026-01-02T03:04:05.678Z\nTopicArn\narn:aws:sns:us-east-1:123456789012:alerts\n"
	const confirmHead = "Message\nYou have chosen to subscribe to the topic arn:aws:sns:us-east-1:123456789012:alerts.\n" +
		"To confirm the subscription, visit the SubscribeURL included in this message.\nMessageId\n165545c9-2a5c-472c-8df2-7ff2be2b3b1b\n" +
		"SubscribeURL\nhttps://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=t&Token=k\n" +
		"Timestamp\n2026-01-02T03:04:05.678Z\nToken\n2336412f37fb687f5d51e6e2425dacbbac3c5c0debf3c71e\n" +
		"TopicArn\narn:aws:sns:us-east-1:123456789012:alerts\n"
	tests := []struct {
		name   string
		body   map[string]any
		want   string
		lambda bool // relayed through Lambda after SNS signed it: SigningCertUrl, SubscribeUrl
	}{
		{"notification", note, "Message\nline one\nline \"two\" é\t\nMessageId\n22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\n" +
			"Subject\nALARM: \"cpu\" in US East (N. Virginia)\n" + tail + "Type\nNotification\n", false},
		{"Subject absent", noSubject, "Message\nline one\nline \"two\" é\t\nMessageId\n22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\n" + tail + "Type\nNotification\n", false},
		{"Subject null", nullSubject, "Message\nline one\nline \"two\" é\t\nMessageId\n22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\n" + tail + "Type\nNotification\n", false},
		{"Subject empty", emptySubject, "Message\nline one\nline \"two\" é\t\nMessageId\n22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\nSubject\n\n" + tail + "Type\nNotification\n", false},
		{"subscription confirmation", confirm, confirmHead + "Type\nSubscriptionConfirmation\n", false},
		{"unsubscribe confirmation", unsubscribe, confirmHead + "Type\nUnsubscribeConfirmation\n", false},
		{"Lambda spelling", confirm, confirmHead + "Type\nSubscriptionConfirmation\n", true},
	}
	key := trusttest.Key(t)
	for _, tt := range tests {
		for _, version := range []string{"1", "2"} {
			signed := trusttest.Sign(t, key, tt.body, version)
			if tt.lambda {
				for from, to := range map[string]string{"SigningCertURL": "SigningCertUrl", "SubscribeURL": "SubscribeUrl"} {
					signed[to] = signed[from]
					delete(signed, from)
				}
			}
			m, err := trust.ReadSNS(signed)
			if err != nil {
				t.Fatalf("%s v%s: %v", tt.name, version, err)
			}
			if got := m.StringToSign(); got != tt.want {
				t.Errorf("%s v%s: string to sign\n%q\nwant\n%q", tt.name, version, got, tt.want)
			}
			if err := m.Verify(&key.PublicKey); err != nil {
				t.Errorf("%s v%s: %v", tt.name, version, err)
			}
		}
	}
}

// TestTamperedMessagesFail changes each part of a signed message in turn: every signed field, the version and the
// signature itself.
func TestTamperedMessagesFail(t *testing.T) {
	key := trusttest.Key(t)
	for _, version := range []string{"1", "2"} {
		for name, body := range map[string]map[string]any{
			"notification": trusttest.Notification("https://sns.us-east-1.amazonaws.com/x.pem", "hello"),
			"confirmation": trusttest.Confirmation("https://sns.us-east-1.amazonaws.com/x.pem", "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription"),
		} {
			signed := trusttest.Sign(t, key, body, version)
			for k, v := range signed {
				s, ok := v.(string)
				if !ok || k == "SigningCertURL" || k == "UnsubscribeURL" {
					continue // the certificate's URL is the fetcher's to check; UnsubscribeURL is not signed
				}
				tampered := maps.Clone(signed)
				tampered[k] = s + "x"
				if k == "Signature" {
					tampered[k] = flipFirst(s)
				}
				m, err := trust.ReadSNS(tampered)
				if err == nil {
					err = m.Verify(&key.PublicKey)
				}
				var se *trust.SignatureError
				if !errors.As(err, &se) || se.Unsigned {
					t.Errorf("v%s %s with %s changed: %v, want a failed signature", version, name, k, err)
				}
			}
			// The other version's hash over the same text does not match either.
			other := maps.Clone(signed)
			other["SignatureVersion"] = map[string]string{"1": "2", "2": "1"}[version]
			if m, err := trust.ReadSNS(other); err != nil || m.Verify(&key.PublicKey) == nil {
				t.Errorf("v%s %s verified as the other version (%v)", version, name, err)
			}
		}
	}
}

// flipFirst changes the first base64 character of s to another valid one.
func flipFirst(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

func TestMalformedMessagesAreRefusedWithAReason(t *testing.T) {
	key := trusttest.Key(t)
	good := trusttest.Sign(t, key, trusttest.Notification("https://sns.us-east-1.amazonaws.com/x.pem", "hello"), "2")
	with := func(k string, v any) map[string]any {
		m := maps.Clone(good)
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name     string
		body     map[string]any
		unsigned bool
		reason   string
	}{
		{"no Signature", with("Signature", nil), true, "it has no Signature"},
		{"null Signature", func() map[string]any { m := maps.Clone(good); m["Signature"] = nil; return m }(), true, "it has no Signature"},
		{"a generic body", map[string]any{"event_key": "k", "title": "t"}, true, "it has no Signature"},
		{"no MessageId", with("MessageId", nil), false, "MessageId is missing"},
		{"no Message", with("Message", nil), false, "Message is missing"},
		{"no Timestamp", with("Timestamp", nil), false, "Timestamp is missing"},
		{"no TopicArn", with("TopicArn", nil), false, "TopicArn is missing"},
		{"no Type", with("Type", nil), false, "Type is missing"},
		{"no SigningCertURL", with("SigningCertURL", nil), false, "SigningCertURL is missing"},
		{"no SignatureVersion", with("SignatureVersion", nil), false, "SignatureVersion is missing"},
		{"Message not text", with("Message", map[string]any{"a": "b"}), false, "Message is not text"},
		{"Subject not text", with("Subject", 3.0), false, "Subject is not text"},
		{"Signature not text", with("Signature", 1.0), false, "Signature is not text"},
		{"version 3", with("SignatureVersion", "3"), false, `SignatureVersion "3" is neither 1 nor 2`},
		{"version as a number", with("SignatureVersion", 2.0), false, "SignatureVersion is not text"},
		{"empty version", with("SignatureVersion", ""), false, `SignatureVersion "" is neither 1 nor 2`},
		{"unknown Type", with("Type", "Notice"), false, `Type "Notice" is not Notification`},
		{"not base64", with("Signature", "!!!!"), false, "is not base64"},
		{"a huge Signature", with("Signature", strings.Repeat("A", 4096)), false, "4096 characters long"},
		{"both spellings, disagreeing", with("SigningCertUrl", "https://sns.us-east-1.amazonaws.com/y.pem"), false, "SigningCertURL and SigningCertUrl disagree"},
		// SNS writes UnsubscribeUrl in every notification it hands to Lambda (testdata/aws-sdk-ruby-lambda-notification-v1.json).
		{"both unsubscribe spellings, disagreeing", with("UnsubscribeUrl", "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x"), false, "UnsubscribeURL and UnsubscribeUrl disagree"},
		{"a confirmation without Token", func() map[string]any {
			m := with("Type", "SubscriptionConfirmation")
			m["SubscribeURL"] = "u"
			return m
		}(), false, "Token is missing"},
		{"a confirmation without SubscribeURL", func() map[string]any { m := with("Type", "SubscriptionConfirmation"); m["Token"] = "t"; return m }(), false, "SubscribeURL is missing"},
	}
	for _, tt := range tests {
		_, err := trust.ReadSNS(tt.body)
		var se *trust.SignatureError
		if !errors.As(err, &se) || se.Unsigned != tt.unsigned || !strings.Contains(se.Reason, tt.reason) {
			t.Errorf("%s: %v, want unsigned=%v and a reason with %q", tt.name, err, tt.unsigned, tt.reason)
		}
	}
	// Both spellings agreeing are one.
	if _, err := trust.ReadSNS(with("SigningCertUrl", good["SigningCertURL"])); err != nil {
		t.Errorf("agreeing spellings: %v", err)
	}
	if _, err := trust.ReadSNS(with("UnsubscribeUrl", good["UnsubscribeURL"])); err != nil {
		t.Errorf("agreeing unsubscribe spellings: %v", err)
	}
}

func TestOnlyRSAKeysOfAtLeast2048BitsVerify(t *testing.T) {
	m, err := trust.ReadSNS(trusttest.Sign(t, trusttest.Key(t), trusttest.Notification("https://sns.us-east-1.amazonaws.com/x.pem", "hello"), "2"))
	if err != nil {
		t.Fatal(err)
	}
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	small, err := rsa.GenerateKey(rand.Reader, 1024) //nolint:gosec // G403: too small on purpose: Verify must refuse it
	if err != nil {
		t.Fatal(err)
	}
	for name, key := range map[string]any{"ecdsa": &ec.PublicKey, "rsa 1024": &small.PublicKey, "nil": nil} {
		var se *trust.SignatureError
		if err := m.Verify(key); !errors.As(err, &se) {
			t.Errorf("%s: %v, want a failed signature", name, err)
		}
	}
}

// TestSignedKeepsOnlyWhatIsSigned: under enforce the body read is the signed fields and the signature's own.
func TestSignedKeepsOnlyWhatIsSigned(t *testing.T) {
	body := readJSON(t, "aws-sdk-java-notification-v1.json")
	body["event_key"] = "injected"
	m, err := trust.ReadSNS(body)
	if err != nil {
		t.Fatal(err)
	}
	got := m.Signed(body)
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	want := []string{"Message", "MessageId", "Signature", "SignatureVersion", "SigningCertURL", "Subject", "Timestamp", "TopicArn", "Type"}
	if len(keys) != len(want) {
		t.Errorf("kept %v, want %v", keys, want)
	}
	for _, k := range want {
		if got[k] != body[k] {
			t.Errorf("%s = %v, want %v", k, got[k], body[k])
		}
	}
	if _, ok := body["MessageAttributes"]; !ok {
		t.Error("Signed changed its argument")
	}
	// A key the caller has removed from the body (the body secret's field) stays absent, not null.
	without := maps.Clone(body)
	delete(without, "Subject")
	if v, present := m.Signed(without)["Subject"]; present {
		t.Errorf("a removed key comes back as %v", v)
	}
	lambda := readJSON(t, "aws-sdk-ruby-lambda-notification-v1.json")
	m, _ = trust.ReadSNS(lambda)
	if got := m.Signed(lambda); got["SigningCertUrl"] == nil || got["UnsubscribeUrl"] != nil {
		t.Errorf("Lambda spelling: %v", got)
	}
}

// TestReadSNSIsDeterministic: the keys Signed keeps are listed once each, in the same order on every read, and a
// body whose spellings disagree in several keys always gets the same reason (the first key of the list).
func TestReadSNSIsDeterministic(t *testing.T) {
	m, err := trust.ReadSNS(readJSON(t, "aws-sdk-java-notification-v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Signature", "Type", "TopicArn", "SignatureVersion", "SigningCertURL", "Message", "MessageId", "Subject", "Timestamp"}
	if got := m.Keys(); !slices.Equal(got, want) {
		t.Errorf("keys %v, want %v", got, want)
	}
	body := trusttest.Sign(t, trusttest.Key(t), trusttest.Confirmation("https://sns.us-east-1.amazonaws.com/x.pem", "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription"), "2")
	body["SigningCertUrl"] = "https://sns.us-east-1.amazonaws.com/y.pem"
	body["SubscribeUrl"] = "https://sns.us-east-1.amazonaws.com/?Action=Other"
	for range 64 { // map iteration order is random: 64 reads would see another order if it decided the reason
		var se *trust.SignatureError
		if _, err := trust.ReadSNS(body); !errors.As(err, &se) || se.Reason != "SigningCertURL and SigningCertUrl disagree" {
			t.Fatalf("%v, want SigningCertURL's disagreement, the first", err)
		}
	}
}

// BenchmarkVerify measures what verification costs once the certificate is cached: reading the message and one
// RSA-2048 verification, for each signature version.
func BenchmarkVerify(b *testing.B) {
	key := trusttest.Key(b)
	for _, version := range []string{"1", "2"} {
		body := trusttest.Sign(b, key, trusttest.Notification("https://sns.us-east-1.amazonaws.com/x.pem", strings.Repeat("m", 2048)), version)
		b.Run("v"+version, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m, err := trust.ReadSNS(body)
				if err == nil {
					err = m.Verify(&key.PublicKey)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
