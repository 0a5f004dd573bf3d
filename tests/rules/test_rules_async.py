"""async-sync-call, async-gather-steps."""


def test_sync_dbos_calls_inside_async_def_are_flagged(check):
    out = check("""
        from dbos import DBOS

        @DBOS.workflow()
        def child(x):
            return x

        @DBOS.workflow()
        async def parent(x):
            DBOS.sleep(1)  # expect: async-sync-call
            handle = DBOS.start_workflow(child, x)  # expect: async-sync-call
            DBOS.set_event("started", True)  # expect: async-sync-call
            return handle.get_result()  # expect: async-sync-call

        async def handler(wf_id):
            DBOS.send(wf_id, "go")  # expect: async-sync-call
            return DBOS.get_event(wf_id, "status")  # expect: async-sync-call
    """)
    assert out.found == out.expected


def test_async_forms_and_sync_calls_in_sync_functions_are_not_flagged(check):
    out = check("""
        import asyncio
        from dbos import DBOS

        @DBOS.workflow()
        async def child(x):
            return x

        @DBOS.workflow()
        async def parent(x):
            await DBOS.sleep_async(1)
            handle = await DBOS.start_workflow_async(child, x)
            await DBOS.set_event_async("started", True)
            return await handle.get_result()

        async def handler(wf_id):
            await DBOS.send_async(wf_id, "go")
            status = await DBOS.get_event_async(wf_id, "status")

            def in_thread():
                return DBOS.get_event(wf_id, "status")

            return status, await asyncio.to_thread(in_thread)

        def sync_handler(wf_id):
            DBOS.send(wf_id, "go")
            return DBOS.start_workflow(child, 1).get_result()
    """)
    assert out.found == out.expected


def test_gather_over_multi_step_coroutines_in_async_workflow_is_flagged(check):
    out = check("""
        import asyncio
        from dbos import DBOS

        @DBOS.step()
        async def fetch(item):
            return item

        @DBOS.step()
        async def store(item):
            return item

        async def handle_item(item):
            data = await fetch(item)
            return await store(data)

        @DBOS.workflow()
        async def process(items):
            return await asyncio.gather(*[handle_item(i) for i in items])  # expect: async-gather-steps

        @DBOS.workflow()
        async def process_group(items):
            async with asyncio.TaskGroup() as tg:
                for i in items:
                    tg.create_task(handle_item(i))  # expect: async-gather-steps
    """)
    assert out.found == out.expected


def test_gather_over_single_steps_or_child_workflows_is_not_flagged(check):
    out = check("""
        import asyncio
        from dbos import DBOS

        @DBOS.step()
        async def fetch(item):
            return item

        @DBOS.workflow()
        async def child(item):
            await fetch(item)
            return await fetch(item)

        async def one_step(item):
            return await fetch(item)

        @DBOS.workflow()
        async def process(items):
            first = await asyncio.gather(*[fetch(i) for i in items])
            second = await asyncio.gather(*(one_step(i) for i in items))
            third = await asyncio.gather(child(1), child(2))
            return first, second, third

        async def outside(items):
            async def two(i):
                await fetch(i)
                await fetch(i)
            return await asyncio.gather(*[two(i) for i in items])
    """)
    assert out.found == out.expected


def test_sync_helper_called_from_async_workflow_is_judged_like_the_workflow(check):
    """Issue 17 (2): the message says which calls raise and which only block the event loop (3.4.0)."""
    out = check({
        "notify.py": """
            from dbos import DBOS

            def notify(wf_id):
                DBOS.send(wf_id, "done")  # expect: async-sync-call

            def start_child(child, x):
                return DBOS.start_workflow(child, x)  # expect: async-sync-call
        """,
        "app.py": """
            from dbos import DBOS
            from notify import notify, start_child

            @DBOS.workflow()
            def child(x):
                return x

            @DBOS.workflow()
            async def parent(wf_id):
                notify(wf_id)
                start_child(child, 1)
        """,
    })
    assert out.found == out.expected
    messages = {v.line: v.message for v in out.report.violations if v.path == "notify.py"}
    assert "raises RuntimeError" in messages[4] and "`notify`" in messages[4] and "`parent`" in messages[4]
    assert "blocks the event loop" in messages[7] and "RuntimeError" not in messages[7]


def test_sync_helper_run_in_a_thread_or_called_only_from_sync_code_is_not_flagged(check):
    out = check("""
        import asyncio
        from dbos import DBOS

        def notify(wf_id):
            DBOS.send(wf_id, "done")

        @DBOS.workflow()
        async def parent(wf_id):
            await asyncio.to_thread(notify, wf_id)
            await asyncio.get_running_loop().run_in_executor(None, lambda: notify(wf_id))

        @DBOS.workflow()
        def sync_parent(wf_id):
            notify(wf_id)
    """)
    assert out.found == out.expected


def test_which_sync_calls_raise_in_a_running_loop_matches_dbos_3_4_0():
    """The messages say "raises" for exactly the methods 3.4.0 guards with `check_async` (the singular
    cancel/delete call the guarded plural forms); the others block the loop."""
    import importlib.metadata
    import re
    from pathlib import Path

    import dbos
    import pytest

    from graders.rules.async_rules import RAISE_IN_LOOP, SYNC_WITH_ASYNC_TWIN

    if importlib.metadata.version("dbos") != "3.4.0":
        pytest.skip("the table is for dbos 3.4.0")
    source = (Path(dbos.__file__).parent / "_dbos.py").read_text()
    guarded = set(re.findall(r'^\s+check_async\("(\w+)"\)', source, re.M))
    assert RAISE_IN_LOOP == (guarded & SYNC_WITH_ASYNC_TWIN) | {"cancel_workflow", "delete_workflow"}
    assert "start_workflow" not in RAISE_IN_LOOP and "enqueue_workflow" not in RAISE_IN_LOOP
