package source

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/option"
)

// isAWSSNS: the SNS envelope (Type, TopicArn, MessageId), or what SNS carries delivered without it (raw message
// delivery, EventBridge API destinations): a CloudWatch alarm state change or an EventBridge event.
func isAWSSNS(doc map[string]any) bool {
	return has(doc, "Type", "TopicArn", "MessageId") || isCloudWatchAlarm(doc) || isEventBridge(doc)
}

func isCloudWatchAlarm(doc map[string]any) bool { return has(doc, "AlarmName", "NewStateValue") }

func isEventBridge(doc map[string]any) bool { return has(doc, "detail-type", "source", "detail") }

func parseAWSSNS(doc map[string]any, c *call) ([]Alert, error) {
	received := c.received
	if !has(doc, "Type", "TopicArn", "MessageId") {
		return parseSNSMessage(doc, nil, c)
	}
	switch typ := str(doc, "Type"); typ {
	case "SubscriptionConfirmation":
		u := str(doc, "SubscribeURL")
		if u == "" {
			return nil, invalid(option.AWSSNS, "SubscribeURL", "is missing from a SubscriptionConfirmation")
		}
		return nil, &outcome{confirm: &Subscription{URL: u, TopicArn: str(doc, "TopicArn")},
			notice: "subscription confirmation for " + shorten(str(doc, "TopicArn"))}
	case "UnsubscribeConfirmation":
		return nil, &outcome{notice: "unsubscribe confirmation for " + shorten(str(doc, "TopicArn")) + "; no event"}
	case "Notification":
	default:
		return nil, invalid(option.AWSSNS, "Type", "%q is not Notification, SubscriptionConfirmation or UnsubscribeConfirmation", shorten(typ))
	}
	msg, ok := doc["Message"].(string)
	if !ok {
		return nil, invalid(option.AWSSNS, "Message", "is missing or not a string")
	}
	inner, isJSON := decodeJSONText(msg)
	innerDoc, isObject := inner.(map[string]any)
	if !isJSON || !isObject {
		return []Alert{plainTextAlert(doc, msg, received)}, nil
	}
	alerts, err := parseSNSMessage(innerDoc, doc, c)
	if err != nil {
		return nil, err
	}
	for i := range alerts {
		for _, k := range []string{"TopicArn", "MessageId", "Subject"} {
			if v := str(doc, k); v != "" {
				alerts[i].AdditionalInfo["sns."+k] = v
			}
		}
	}
	return alerts, nil
}

// parseSNSMessage reads what an SNS message carries: a CloudWatch alarm, an EventBridge event, or another
// supported body that a user published to the topic (an Alertmanager body, say).
func parseSNSMessage(msg, envelope map[string]any, c *call) ([]Alert, error) {
	received := c.received
	switch {
	case isCloudWatchAlarm(msg):
		return []Alert{cloudWatchAlarm(msg, envelope, received)}, nil
	case isEventBridge(msg):
		return []Alert{eventBridgeEvent(msg, received)}, nil
	}
	for _, p := range parsers {
		if p.source != option.AWSSNS && p.detect(msg) {
			return p.parse(msg, c)
		}
	}
	if envelope != nil {
		return []Alert{plainTextAlert(envelope, compactJSON(msg), received)}, nil
	}
	return nil, invalid(option.AWSSNS, "", "it is neither an SNS envelope, a CloudWatch alarm nor an EventBridge event")
}

// cloudWatchAlarm maps one alarm state change to one event, whatever its dimensions: the alarm's ARN is its key,
// the same for ALARM and OK, so a recovery finds its alert.
func cloudWatchAlarm(m, envelope map[string]any, received time.Time) Alert {
	state := str(m, "NewStateValue")
	a := Alert{Scope: m, Level: state}
	a.Type = event.Alert
	switch strings.ToUpper(state) {
	case "OK":
		a.Type = event.Recovery
		if strings.EqualFold(str(m, "OldStateValue"), "ALARM") { // the level it fired with
			a.Severity = event.Error
		}
	case "ALARM":
		a.Severity = event.Error
	case "INSUFFICIENT_DATA":
		a.Severity = event.NotAvailable
	}
	a.Key = firstNonEmpty(str(m, "AlarmArn"), "cloudwatch:"+text(m["AWSAccountId"])+":"+str(m, "Region")+":"+str(m, "AlarmName"))
	a.Title = str(m, "AlarmName")
	a.Rule = a.Title
	a.Description = str(m, "NewStateReason")
	if d := str(m, "AlarmDescription"); d != "" {
		a.Description = strings.TrimSpace(a.Description + "\n\n" + d)
	}
	if !a.setTime("StateChangeTime", m["StateChangeTime"], readTime, received) && envelope != nil {
		a.setTime("sns.Timestamp", envelope["Timestamp"], readTime, received)
	}
	a.Provider = "aws"
	a.Account = text(m["AWSAccountId"])

	info := map[string]string{}
	for _, k := range []string{"AlarmArn", "AlarmName", "AlarmDescription", "AWSAccountId", "NewStateValue", "OldStateValue", "Region", "AlarmRule", "StateChangeTime"} {
		if v := text(m[k]); v != "" {
			info[k] = v
		}
	}
	trigger := obj(m, "Trigger")
	namespace, dims := alarmDimensions(trigger)
	for _, k := range []string{"MetricName", "Namespace", "ComparisonOperator", "Threshold", "Statistic", "Period", "EvaluationPeriods"} {
		if v := text(trigger[k]); v != "" {
			info["Trigger."+k] = v
		}
	}
	for _, d := range dims {
		info["dimension."+d[0]] = d[1]
	}
	if len(dims) > 0 {
		a.Resource = event.Resource{ID: dims[0][1], Type: namespace, Name: dims[0][0] + "=" + dims[0][1]}
	}
	a.AdditionalInfo = info
	return a
}

// alarmDimensions lists an alarm's dimensions as name/value pairs, from its single metric or from each metric of
// a metric-math alarm, with the namespace they belong to.
func alarmDimensions(trigger map[string]any) (string, [][2]string) {
	namespace := str(trigger, "Namespace")
	var out [][2]string
	add := func(list any) {
		items, _ := list.([]any)
		for _, it := range items {
			d, _ := it.(map[string]any)
			name := firstNonEmpty(str(d, "name"), str(d, "Name"))
			value := firstNonEmpty(text(d["value"]), text(d["Value"]))
			if name != "" && !slices.Contains(out, [2]string{name, value}) {
				out = append(out, [2]string{name, value})
			}
		}
	}
	add(trigger["Dimensions"])
	metrics, _ := trigger["Metrics"].([]any)
	for _, it := range metrics {
		m, _ := it.(map[string]any)
		metric := obj(obj(m, "MetricStat"), "Metric")
		if metric == nil {
			continue
		}
		namespace = firstNonEmpty(namespace, str(metric, "Namespace"))
		add(metric["Dimensions"])
	}
	return namespace, out
}

// healthCategories is AWS Health's eventTypeCategory as a severity.
var healthCategories = map[string]event.Severity{
	"issue":               event.Error,
	"scheduledchange":     event.Warning,
	"accountnotification": event.Info,
}

// eventBridgeEvent maps an EventBridge event: AWS Health by its event ARN, anything else generically.
func eventBridgeEvent(m map[string]any, received time.Time) Alert {
	detail := obj(m, "detail")
	a := Alert{Scope: m}
	a.Type = event.Alert
	a.Provider = "aws"
	a.Account = text(m["account"])
	a.setTime("time", m["time"], readTime, received)
	info := map[string]string{}
	for _, k := range []string{"source", "detail-type", "region", "account", "id"} {
		if v := text(m[k]); v != "" {
			info[k] = v
		}
	}
	resources := stringList(m["resources"])
	if len(resources) > 0 {
		info["resources"] = strings.Join(resources, ",")
	}

	if str(m, "source") != "aws.health" {
		sum := sha256.Sum256([]byte(str(m, "source") + "\n" + str(m, "detail-type") + "\n" + strings.Join(resources, "\n")))
		a.Key = "eventbridge:" + hex.EncodeToString(sum[:16])
		a.Title = str(m, "detail-type")
		a.Rule = str(m, "source")
		if detail != nil {
			info["detail"] = compactJSON(detail)
		}
		if len(resources) > 0 {
			a.Resource = event.Resource{ID: resources[0], Type: str(m, "source"), Name: resources[0]}
		}
		a.AdditionalInfo = info
		return a
	}

	category := str(detail, "eventTypeCategory")
	a.Level = category
	a.Severity = healthCategories[event.FoldLevel(category)]
	if strings.EqualFold(str(detail, "statusCode"), "closed") {
		a.Type = event.Recovery
	}
	a.Key = firstNonEmpty(str(detail, "eventArn"), "health:"+str(m, "id"))
	a.Title = strings.TrimSpace(str(m, "detail-type") + ": " + firstNonEmpty(str(detail, "eventTypeCode"), str(detail, "service")))
	a.Rule = category
	a.Description = healthDescription(detail)
	timeKey := "startTime"
	if a.Type == event.Recovery {
		timeKey = "endTime"
	}
	if !a.setTime(timeKey, detail[timeKey], readHealthTime, a.OccurredAt) && timeKey != "startTime" {
		a.setTime("startTime", detail["startTime"], readHealthTime, a.OccurredAt)
	}
	var entities []string
	items, _ := detail["affectedEntities"].([]any)
	for _, it := range items {
		if e, ok := it.(map[string]any); ok && text(e["entityValue"]) != "" {
			entities = append(entities, text(e["entityValue"]))
		}
	}
	if name := firstNonEmpty(first(entities), first(resources)); name != "" {
		a.Resource = event.Resource{ID: name, Type: firstNonEmpty(str(detail, "service"), "aws.health"), Name: name}
	}
	for _, k := range []string{"eventArn", "service", "eventTypeCode", "eventTypeCategory", "statusCode", "startTime", "endTime", "eventScopeCode"} {
		if v := text(detail[k]); v != "" {
			info[k] = v
		}
	}
	if len(entities) > 0 {
		info["affectedEntities"] = strings.Join(entities, ",")
	}
	a.AdditionalInfo = info
	return a
}

// healthDescription joins the event's descriptions, English first, turning the escaped newlines AWS Health
// sends (both "\n" and "\\n" as text) into real ones.
func healthDescription(detail map[string]any) string {
	items, _ := detail["eventDescription"].([]any)
	var parts []string
	for _, it := range items {
		d, _ := it.(map[string]any)
		s := str(d, "latestDescription")
		if s == "" {
			continue
		}
		s = strings.ReplaceAll(strings.ReplaceAll(s, `\\n`, "\n"), `\n`, "\n")
		if strings.HasPrefix(str(d, "language"), "en") {
			parts = append([]string{s}, parts...)
		} else {
			parts = append(parts, s)
		}
	}
	return strings.TrimSpace(strings.Join(parts, "\n\n"))
}

// readHealthTime reads AWS Health's RFC 1123 times ("Wed, 6 Apr 2022 06:00:53 GMT"), and what readTime reads.
func readHealthTime(v any) (time.Time, bool) {
	s, _ := v.(string)
	if t, err := time.Parse("Mon, 2 Jan 2006 15:04:05 MST", strings.TrimSpace(s)); err == nil {
		return inRange(t)
	}
	return readTime(v)
}

// plainTextAlert is an SNS message that is not a document: its subject is the title.
func plainTextAlert(envelope map[string]any, msg string, received time.Time) Alert {
	a := Alert{Scope: envelope}
	a.Type = event.Alert
	subject := str(envelope, "Subject")
	firstLine, _, _ := strings.Cut(strings.TrimSpace(msg), "\n")
	a.Title = firstNonEmpty(subject, shorten(firstLine), "SNS notification")
	a.Description = msg
	sum := sha256.Sum256([]byte(str(envelope, "TopicArn") + "\n" + a.Title))
	a.Key = "sns:" + hex.EncodeToString(sum[:16])
	a.Provider = "aws"
	a.setTime("sns.Timestamp", envelope["Timestamp"], readTime, received)
	if arn := strings.Split(str(envelope, "TopicArn"), ":"); len(arn) >= 6 {
		a.Account = arn[4]
	}
	info := map[string]string{}
	for _, k := range []string{"TopicArn", "MessageId", "Subject", "Timestamp"} {
		if v := str(envelope, k); v != "" {
			info["sns."+k] = v
		}
	}
	a.AdditionalInfo = info
	return a
}

func stringList(v any) []string {
	items, _ := v.([]any)
	out := make([]string, 0, len(items))
	for _, it := range items {
		if s := text(it); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func first(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return ss[0]
}
