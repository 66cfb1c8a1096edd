package anthropic

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/operator-dev/operator/internal/ticket"
)

// toolInput is the diagnosis tool's input, exactly as the model wrote it.
// Whether it is a sound diagnosis is diagnose.Check's business; this only
// refuses what is no answer at all: a cut-off answer, a refusal, prose
// instead of the tool.
func toolInput(msg *anthropic.Message, maxTokens int64) (json.RawMessage, error) {
	switch msg.StopReason {
	case anthropic.StopReasonMaxTokens:
		// The tool input is then partial JSON, or a whole object missing its
		// last fields: either way not the answer the model meant.
		return nil, fmt.Errorf("answer truncated at %d tokens (max_tokens); a partial diagnosis is not passed on", maxTokens)
	case anthropic.StopReasonRefusal:
		return nil, fmt.Errorf("the model refused to answer%s", refusalDetail(msg.StopDetails))
	case anthropic.StopReasonModelContextWindowExceeded:
		return nil, errors.New("the request exceeded the model's context window")
	case anthropic.StopReasonPauseTurn:
		return nil, errors.New("the model paused its turn without answering")
	}
	var calls []anthropic.ContentBlockUnion
	for _, b := range msg.Content {
		if b.Type != "tool_use" {
			continue
		}
		if b.Name != toolName {
			return nil, fmt.Errorf("the model called %q, a tool it was not offered", b.Name)
		}
		calls = append(calls, b)
	}
	switch len(calls) {
	case 0:
		return nil, fmt.Errorf("the model answered without the diagnosis tool (stop_reason %q)%s", msg.StopReason, textExcerpt(msg))
	case 1:
	default:
		// Two diagnoses are no diagnosis: picking one would be a guess.
		return nil, fmt.Errorf("the model called the diagnosis tool %d times; one answer is expected", len(calls))
	}
	in := calls[0].Input
	if len(bytes.TrimSpace(in)) == 0 {
		return nil, errors.New("the diagnosis tool call has no input")
	}
	return bytes.Clone(in), nil
}

// refusalDetail is what the API said about a refusal, if anything.
func refusalDetail(d anthropic.RefusalStopDetails) string {
	var parts []string
	if d.Category != "" {
		parts = append(parts, "category "+string(d.Category))
	}
	if d.Explanation != "" {
		parts = append(parts, fmt.Sprintf("%q", excerpt(d.Explanation)))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ": ") + ")"
}

// textExcerpt quotes the start of what the model wrote instead of calling
// the tool, so an operator can see why. It is quoted because it may echo
// cluster text.
func textExcerpt(msg *anthropic.Message) string {
	var text strings.Builder
	for _, b := range msg.Content {
		if b.Type == "text" {
			text.WriteString(b.Text)
		}
	}
	if text.Len() == 0 {
		return ""
	}
	return fmt.Sprintf(": %q", excerpt(text.String()))
}

// excerpt keeps error strings short.
func excerpt(s string) string {
	const max = 200
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}

// Prompt-cache multipliers of the input price: writes cost more, reads
// less. The provider asks for no caching, so these are normally zero.
const (
	cacheWriteFactor = 1.25
	cacheReadFactor  = 0.1
)

// usage is what the response cost. Only the final response is billed: the
// API charges nothing for a request it turned away with an error.
func usage(u anthropic.Usage, attempts int, inPrice, outPrice float64) ticket.Usage {
	input, created, read, output := tokens(u.InputTokens), tokens(u.CacheCreationInputTokens), tokens(u.CacheReadInputTokens), tokens(u.OutputTokens)
	in := input + created + read
	inCost := float64(input) + cacheWriteFactor*float64(created) + cacheReadFactor*float64(read)
	return ticket.Usage{
		InputTokens:  in,
		OutputTokens: output,
		CostUSD:      (inCost*inPrice + float64(output)*outPrice) / 1e6,
		Attempts:     attempts,
	}
}

// maxReportedTokens bounds a reported token count: far above any real response,
// low enough that sums cannot overflow.
const maxReportedTokens = 1 << 40

// tokens is a count as the API reported it, made sane: a negative count
// (a broken server or proxy) would credit the budget, a huge one overflow
// the sum.
func tokens(n int64) int64 { return min(max(n, 0), maxReportedTokens) }
