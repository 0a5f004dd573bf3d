from dbos import DBOS


@DBOS.workflow()
def render_video(video_id: str) -> str:
    return video_id


@DBOS.workflow()
def publish(video_id: str) -> str:
    handle = DBOS.start_workflow(render_video, video_id)
    while True:
        status = DBOS.get_workflow_status(handle.get_workflow_id())
        if status is not None and status.status == "SUCCESS":
            break
        DBOS.sleep(2)
    return video_id
