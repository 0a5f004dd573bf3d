from fastapi import FastAPI
from dbos import DBOS

app = FastAPI()


@DBOS.workflow()
def score(applicant: str) -> int:
    return len(applicant)


@app.post("/score")
async def post_score(applicant: str):
    handle = DBOS.start_workflow(score, applicant)
    return {"score": handle.get_result()}
