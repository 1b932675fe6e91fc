"""A workflow as a Mermaid flowchart: text for documentation and for assistants that read text.

    flowchart TD
        start(("Start"))
        t1["Review"]
        finish((("End")))
        start -->|"1"| t1
        t1 -->|"1: ticket.amount #gt; 100"| t2
        t1 -->|"2"| finish

A start transition leaves the `start` node and an ending one enters `finish`; each arrow is
labelled with its priority and, if it has one, its condition. Node ids are generated (`t1`,
`t2`… in the tasks' order), never made of user text, and every title and condition goes through
`mermaid_text`: inside a quoted label Mermaid reads `#<code>;` as a character, so anything that
could end the label, start markup or break the line is written that way.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from workflow_design.models import WorkflowDefinition

START_ID, END_ID = "start", "finish"
# Characters a quoted Mermaid label shows as they are; everything else is written as `#<code>;`.
PLAIN_PUNCTUATION = set(" .,:;!?+-*/=_'@$%^~")


def mermaid_text(text: object) -> str:
    """`text` as the inside of a quoted Mermaid label: letters, digits, spaces and harmless
    punctuation as they are; line breaks as spaces; anything else as an entity code."""
    out = []
    for char in str(text):
        if char in "\r\n\t":
            out.append(" ")
        elif char.isalnum() or char in PLAIN_PUNCTUATION:
            out.append(char)
        else:
            out.append(f"#{ord(char)};")
    return "".join(out)


def _label(text: object) -> str:
    return f'"{mermaid_text(text)}"'


def workflow_mermaid(workflow: WorkflowDefinition) -> str:
    """The workflow's tasks (in position order), its start and end, and every transition with
    its priority and condition, as a Mermaid flowchart (top to bottom)."""
    tasks = list(workflow.tasks.order_by("position", "id").only("pk", "title"))
    node = {task.pk: f"t{index}" for index, task in enumerate(tasks, start=1)}
    transitions = workflow.transitions.order_by("priority", "id").only(
        "from_task_id", "to_task_id", "priority", "condition"
    )
    lines = ["flowchart TD", f"    {START_ID}(({_label(_('Start'))}))"]
    lines += [f"    {node[task.pk]}[{_label(task.title)}]" for task in tasks]
    lines.append(f"    {END_ID}((({_label(_('End'))})))")
    for transition in transitions:
        source = node[transition.from_task_id] if transition.from_task_id else START_ID
        target = node[transition.to_task_id] if transition.to_task_id else END_ID
        condition = (transition.condition or "").strip()
        label = f"{transition.priority}: {condition}" if condition else str(transition.priority)
        lines.append(f"    {source} -->|{_label(label)}| {target}")
    return "\n".join(lines) + "\n"
