"""A migration function as a manifest's ``python:`` step names it: values in, values out."""


def addressing_from_path_style(values: dict) -> dict:
    style = values.pop("addressing_style", False)
    return {**values, "addressing_style": "path" if style is True else "auto"}
