package openai

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	oai "github.com/openai/openai-go/v3"
)

// errNoTool is a reply in prose (or nothing): no diagnosis at all.
var errNoTool = errors.New("model answered without the diagnosis tool")

// toolArguments finds the diagnosis in a reply: the arguments of its one
// record_diagnosis call, byte for byte as the model wrote them. Whether they
// make a diagnosis is Check's business; this only says whether there is
// an answer to check.
func toolArguments(resp *oai.ChatCompletion, maxTokens int64) (json.RawMessage, error) {
	if len(resp.Choices) == 0 {
		return nil, errors.New("server answered with no choices")
	}
	choice := resp.Choices[0]
	switch choice.FinishReason {
	case "length":
		// The arguments are cut mid-JSON: half a diagnosis is no diagnosis.
		return nil, fmt.Errorf("answer truncated: the model reached the %d-token limit before finishing", maxTokens)
	case "content_filter":
		return nil, errors.New("answer withheld by the server's content filter")
	}
	// OpenAI ends a forced call with "tool_calls"; llama.cpp, Ollama and
	// others often say "stop" (or nothing). The call itself is what counts.
	var found []oai.ChatCompletionMessageToolCallUnion
	var others []string
	for _, call := range choice.Message.ToolCalls {
		if call.Function.Name == toolName {
			found = append(found, call)
		} else {
			others = append(others, fmt.Sprintf("%.64q", call.Function.Name))
		}
	}
	switch {
	case len(found) == 1:
		return arguments(found[0]), nil
	case len(found) > 1:
		// Two diagnoses disagree or repeat; picking one would be a guess.
		return nil, fmt.Errorf("model called %s %d times", toolName, len(found))
	case len(others) > 0:
		return nil, fmt.Errorf("model called %s instead of %s", strings.Join(others, ", "), toolName)
	}
	if n := len(choice.Message.Content); n > 0 {
		// The text is the model's, possibly repeating cluster data: its
		// size says enough for an error that gets stored and shown.
		return nil, fmt.Errorf("%w (finish reason %q, %d bytes of text)", errNoTool, choice.FinishReason, n)
	}
	return nil, fmt.Errorf("%w (finish reason %q, empty message)", errNoTool, choice.FinishReason)
}

// arguments is the call's arguments as sent. OpenAI sends them as a JSON
// string holding the JSON text; a server that sends the object itself gets
// its object passed on unchanged.
func arguments(call oai.ChatCompletionMessageToolCallUnion) json.RawMessage {
	if raw := strings.TrimSpace(call.Function.JSON.Arguments.Raw()); strings.HasPrefix(raw, "{") {
		return json.RawMessage(raw)
	}
	return json.RawMessage(call.Function.Arguments)
}
