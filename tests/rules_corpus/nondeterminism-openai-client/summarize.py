from openai import OpenAI
from dbos import DBOS

llm = OpenAI()


@DBOS.step()
def save_summary(doc_id: str, text: str) -> None:
    print(doc_id, text[:40])


@DBOS.workflow()
def summarize(doc_id: str, text: str) -> str:
    completion = llm.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": f"Summarize: {text}"}]
    )
    summary = completion.choices[0].message.content
    save_summary(doc_id, summary)
    return summary
