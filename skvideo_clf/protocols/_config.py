class ConfigError(ValueError):
    pass


def load_config(path):
    raise NotImplementedError
