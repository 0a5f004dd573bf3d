from openai import OpenAI
from dbos import DBOS

llm = OpenAI()


@DBOS.step(retries_allowed=True, max_attempts=3, interval_seconds=2)
def call_llm(text: str) -> str:
    completion = llm.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": f"Summarize: {text}"}]
    )
    return completion.choices[0].message.content


@DBOS.workflow()
def summarize(doc_id: str, text: str) -> str:
    return call_llm(text)
