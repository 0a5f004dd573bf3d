"""uvicorn api.main:app"""

from fastapi import FastAPI

from api.lifecycle import lifespan
from api.routes import router

app = FastAPI(lifespan=lifespan)
app.include_router(router)
