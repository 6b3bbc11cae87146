"""The one error a user can cause with a config or a flag."""


class ConfigError(Exception):
    """A config or flag the runner cannot accept; str() is one line naming the file, the step and the key."""

    def __init__(self, where: str, key: str, problem: str):
        self.where = where
        self.key = key
        self.problem = problem
        super().__init__(f"{where}: {key}: {problem}")
