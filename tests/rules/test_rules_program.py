"""How code is attributed to workflows and steps: imports, aliases, packages, classes, nesting."""


def test_dbos_reached_through_module_import_and_alias(check):
    out = check({
        "a.py": """
            import random
            import dbos

            @dbos.DBOS.workflow()
            def wf():
                return random.random()  # expect: workflow-nondeterminism
        """,
        "b.py": """
            import random as rnd
            from dbos import DBOS as D

            @D.workflow()
            async def wf_async():
                return rnd.random()  # expect: workflow-nondeterminism

            @D.step()
            def step():
                return rnd.random()
        """,
    })
    assert out.found == out.expected


def test_relative_imports_and_package_reexports_are_followed(check):
    out = check({
        "shop/__init__.py": """
            from .pricing import discount
        """,
        "shop/pricing.py": """
            import time

            def discount(total):
                return total * (0.9 if time.time() % 2 else 1.0)  # expect: workflow-nondeterminism
        """,
        "shop/util.py": """
            import uuid

            def new_id():
                return str(uuid.uuid4())  # expect: workflow-nondeterminism
        """,
        "shop/flows.py": """
            from dbos import DBOS
            from . import util
            from shop import discount

            @DBOS.workflow()
            def checkout(total):
                return util.new_id(), discount(total)
        """,
    })
    assert out.found == out.expected


def test_nested_helpers_instances_and_cycles_are_followed(check):
    out = check("""
        import random
        from dbos import DBOS

        class Dice:
            def roll(self):
                return random.random()  # expect: workflow-nondeterminism

        dice = Dice()

        def ping(n):
            return pong(n - 1) if n else 0

        def pong(n):
            return ping(n)

        @DBOS.workflow()
        def wf():
            def inner():
                return random.random()  # expect: workflow-nondeterminism
            return inner(), dice.roll(), ping(3)
    """)
    assert out.found == out.expected


def test_nested_function_that_is_never_called_is_not_workflow_code(check):
    out = check("""
        import random
        from dbos import DBOS

        @DBOS.workflow()
        def wf():
            def later():
                return random.random()
            return DBOS.run_step(None, later)
    """)
    assert out.found == out.expected


def test_static_and_class_methods_under_dbos_class(check):
    out = check("""
        import time
        from dbos import DBOS

        @DBOS.dbos_class()
        class Billing:
            @staticmethod
            @DBOS.workflow()
            def charge(amount):
                Billing.audit()
                return amount

            @classmethod
            def audit(cls):
                time.sleep(1)  # expect: workflow-time-sleep

            @classmethod
            @DBOS.step()
            def notify(cls):
                time.sleep(1)
    """)
    assert out.found == out.expected
