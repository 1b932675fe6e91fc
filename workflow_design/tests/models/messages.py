"""Reading a model's refusal the way a form shows it: the messages of one field."""


def messages_of(excinfo, field: str) -> str:
    return " ".join(excinfo.value.message_dict.get(field, []))
