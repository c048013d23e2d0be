"""The official `openai` Python package against `lexilingo serve`: a client nobody here wrote.

Usage: python openai_client.py BASE_URL TOKEN. Exits non-zero with a message on any mismatch.
"""
import json
import sys

import openai

base, token = sys.argv[1], sys.argv[2]
client = openai.OpenAI(base_url=f"{base}/v1", api_key=token, max_retries=0, timeout=120)

models = client.models.list()
ids = [m.id for m in models.data]
assert len(ids) == 1 and ids[0].endswith(".gguf"), ids
model = ids[0]

messages = [{"role": "user", "content": "Say hello to a student."}]
done = client.chat.completions.create(model=model, messages=messages, max_tokens=24)
text = done.choices[0].message.content
assert done.object == "chat.completion", done
assert text and text.strip(), done
assert done.usage.completion_tokens > 0 and done.usage.prompt_tokens > 0, done.usage
assert done.choices[0].finish_reason in ("stop", "length"), done

# Streaming: the same greedy answer, piece by piece.
pieces = []
finish = None
for chunk in client.chat.completions.create(
    model=model, messages=messages, max_tokens=24, stream=True
):
    assert chunk.object == "chat.completion.chunk", chunk
    delta = chunk.choices[0].delta
    if delta.content:
        pieces.append(delta.content)
    if chunk.choices[0].finish_reason:
        finish = chunk.choices[0].finish_reason
assert len(pieces) > 3, pieces
assert "".join(pieces) == text, ("".join(pieces), text)
assert finish == done.choices[0].finish_reason, finish

# Structured output: a JSON schema constrains the answer with a grammar.
schema = {
    "type": "object",
    "properties": {"level": {"enum": ["A1", "A2", "B1", "B2", "C1", "C2"]}},
    "required": ["level"],
    "additionalProperties": False,
}
structured = client.chat.completions.create(
    model=model,
    messages=[{"role": "user", "content": "CEFR level of: I like cats."}],
    max_tokens=20,
    response_format={"type": "json_schema", "json_schema": {"name": "level", "schema": schema}},
)
answer = json.loads(structured.choices[0].message.content)
assert answer["level"] in schema["properties"]["level"]["enum"], answer

# A wrong key is refused with the OpenAI error type the client understands.
try:
    openai.OpenAI(base_url=f"{base}/v1", api_key="wrong", max_retries=0).models.list()
    raise AssertionError("a wrong token was accepted")
except openai.AuthenticationError:
    pass

print("openai client ok:", json.dumps({"model": model, "text": text, "pieces": len(pieces)}))
