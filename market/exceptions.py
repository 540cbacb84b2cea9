class InvalidTransition(Exception):
    """A status change that the transition table does not allow."""

    def __init__(self, *, model: str, current: str, target: str):
        self.model, self.current, self.target = model, current, target
        super().__init__(f"{model}: {current} → {target} is not allowed")
