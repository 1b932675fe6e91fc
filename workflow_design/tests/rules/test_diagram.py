"""The server-side workflow diagram: content, layout, escaping, highlighting, and its admin URL."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from ticketflower.testing.factories import (
    CompanyRoleFactory,
    TaskFactory,
    TransitionFactory,
    WorkflowFactory,
    simple_workflow,
)
from workflow_design import services
from workflow_design.rules import diagram
from workflow_design.rules.diagram import workflow_diagram_svg

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _nothing_drawn_yet():
    # Each test lays its diagrams out itself (the kept drawings are keyed by what they show).
    diagram.forget_drawn_diagrams()


@pytest.fixture
def layouts(monkeypatch):
    """Every grandalf layout made while drawing: one per connected part of each diagram laid out."""
    made = []

    class RecordingLayout(diagram.SugiyamaLayout):
        def __init__(self, graph):
            super().__init__(graph)
            made.append(self)

    monkeypatch.setattr(diagram, "SugiyamaLayout", RecordingLayout)
    return made


SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it is well-formed


def _task_boxes(root: ET.Element) -> dict[str, tuple[float, float]]:
    boxes = {}
    for group in root.iter(f"{SVG}g"):
        if "task" in group.get("class", "").split():
            rect = group.find(f"{SVG}rect")
            boxes[group.get("data-task")] = (float(rect.get("x")), float(rect.get("y")))
    return boxes


def test_diagram_shows_tasks_start_end_and_labelled_arrows(company_a):
    workflow = simple_workflow(company_a, tasks=3)
    svg = workflow_diagram_svg(workflow)
    root = _parse(svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"Step 1", "Step 2", "Step 3", "Start", "End"} <= set(texts)
    assert len(list(root.iter(f"{SVG}polyline"))) == 4
    assert "10: always" in texts


def test_diagram_labels_condition_and_priority(company_a):
    workflow = WorkflowFactory(company=company_a)
    review = TaskFactory(
        workflow=workflow, slug="review", output_schema=[{"name": "approved", "label": "OK", "type": "boolean"}]
    )
    done = TaskFactory(workflow=workflow, slug="done")
    TransitionFactory(
        workflow=workflow, from_task=review, to_task=done, condition="output.approved == true", priority=5
    )
    svg = workflow_diagram_svg(workflow)
    assert "5: output.approved == true" in svg


def test_diagram_layers_follow_the_flow(company_a):
    workflow = simple_workflow(company_a, tasks=3)
    boxes = _task_boxes(_parse(workflow_diagram_svg(workflow)))
    ys = [boxes[f"t{t.pk}"][1] for t in workflow.tasks.order_by("position")]
    assert ys == sorted(ys) and len(set(ys)) == 3


def test_diagram_escapes_user_text(company_a):
    workflow = WorkflowFactory(company=company_a, title='<script>alert("w")</script>')
    task = TaskFactory(workflow=workflow, title='</text><script>alert(1)</script>"&', slug="evil")
    TransitionFactory(workflow=workflow, from_task=None, to_task=task, condition="")
    svg = workflow_diagram_svg(workflow)
    assert "<script" not in svg
    assert "&lt;/text&gt;&lt;script&gt;" in svg
    _parse(svg)


def test_diagram_marks_highlighted_tasks(company_a):
    workflow = simple_workflow(company_a, tasks=2)
    faulty = workflow.tasks.order_by("position").first()
    root = _parse(workflow_diagram_svg(workflow, highlight_task_ids={faulty.pk}))
    marked = [g.get("data-task") for g in root.iter(f"{SVG}g") if "faulty" in g.get("class", "").split()]
    assert marked == [f"t{faulty.pk}"]


def test_diagram_handles_cycles_and_self_loops(company_a):
    workflow = simple_workflow(company_a, tasks=3)
    first, _, last = workflow.tasks.order_by("position")
    TransitionFactory(workflow=workflow, from_task=last, to_task=first, priority=1, condition="")
    TransitionFactory(workflow=workflow, from_task=first, to_task=first, priority=2, condition="")
    root = _parse(workflow_diagram_svg(workflow))
    assert len(list(root.iter(f"{SVG}polyline"))) == 6


def test_diagram_of_fifty_tasks_has_no_overlapping_boxes(company_a):
    workflow = WorkflowFactory(company=company_a)
    tasks = [TaskFactory(workflow=workflow, slug=f"t{i}", title=f"Task {i}", position=i) for i in range(50)]
    TransitionFactory(workflow=workflow, from_task=None, to_task=tasks[0])
    for i, task in enumerate(tasks[:-1]):
        TransitionFactory(workflow=workflow, from_task=task, to_task=tasks[i + 1], priority=10)
        if i % 5 == 0 and i + 5 < len(tasks):
            TransitionFactory(workflow=workflow, from_task=task, to_task=tasks[i + 5], priority=5, condition="")
    TransitionFactory(workflow=workflow, from_task=tasks[-1], to_task=None)
    svg = workflow_diagram_svg(workflow)
    root = _parse(svg)
    boxes = list(_task_boxes(root).values())
    assert len(boxes) == 50
    for i, (x1, y1) in enumerate(boxes):
        for x2, y2 in boxes[i + 1 :]:
            assert abs(x1 - x2) >= 200 or abs(y1 - y2) >= 48
    width, height = float(root.get("width")), float(root.get("height"))
    assert width < 5000 and height < 50 * 200


def test_diagram_url_serves_svg_to_own_company(client, creator_a, company_a):
    workflow = simple_workflow(company_a, tasks=2)
    client.force_login(creator_a)
    response = client.get(reverse("admin:workflow_design_workflowdefinition_diagram", args=[workflow.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert re.search(r">Step 2<", response.content.decode())


def test_diagram_url_hides_other_company(client, creator_b, company_a):
    workflow = simple_workflow(company_a, tasks=2)
    client.force_login(creator_b)
    response = client.get(reverse("admin:workflow_design_workflowdefinition_diagram", args=[workflow.pk]))
    assert response.status_code == 404
    assert b"Step 1" not in response.content


def _ladder(company, steps: int):
    """Each task approves to the next, rejects to the one after, and ends by default (as a big
    designed workflow does)."""
    workflow = WorkflowFactory(company=company)
    tasks = [TaskFactory(workflow=workflow, slug=f"s{i}", title=f"Step {i}", position=i) for i in range(steps)]
    TransitionFactory(workflow=workflow, from_task=None, to_task=tasks[0])
    for i, task in enumerate(tasks):
        following = tasks[i + 1] if i + 1 < steps else None
        after_next = tasks[i + 2] if i + 2 < steps else None
        TransitionFactory(workflow=workflow, from_task=task, to_task=following, priority=1, condition="true")
        TransitionFactory(workflow=workflow, from_task=task, to_task=after_next, priority=2, condition="false")
        TransitionFactory(workflow=workflow, from_task=task, to_task=None, priority=3, condition="")
    return workflow, tasks


def test_diagram_layout_stays_linear_in_the_workflow(company_a, monkeypatch, layouts):
    # The guard on a linear diagram, without timing it: end transitions stop at an end drawn
    # below their own task instead of crossing every layer to one end (one dummy vertex per
    # layer crossed), and no step compares grandalf's vertex sets (quadratic).
    from grandalf.utils import Poset

    workflow, tasks = _ladder(company_a, 12)
    set_comparisons = []
    compare_sets = Poset.__eq__

    def counting_eq(self, other):
        set_comparisons.append(other)
        return compare_sets(self, other)

    monkeypatch.setattr(Poset, "__eq__", counting_eq)
    monkeypatch.setattr(Poset, "__ne__", lambda self, other: not counting_eq(self, other))
    root = _parse(workflow_diagram_svg(workflow))

    [layout] = layouts
    dummies = sum(len(layer) for layer in layout.layers) - len(layout.g.sV)
    # Only the reject arrows skip a layer, one dummy each.
    assert dummies == len(tasks) - 2
    assert set_comparisons == []
    assert len(list(root.iter(f"{SVG}polyline"))) == 1 + 3 * len(tasks)
    ends = [g for g in root.iter(f"{SVG}g") if g.get("class") == "terminal end"]
    assert len(ends) == len(tasks)
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert labels.count("1: true") == labels.count("2: false") == labels.count("3: always") == len(tasks)


def test_diagram_with_cycles_and_separate_parts_is_drawn_the_same_every_time(company_a):
    workflow = simple_workflow(company_a, tasks=4)
    first, second, third, fourth = workflow.tasks.order_by("position")
    TransitionFactory(workflow=workflow, from_task=third, to_task=first, priority=1, condition="", slug="back-1")
    TransitionFactory(workflow=workflow, from_task=fourth, to_task=second, priority=1, condition="", slug="back-2")
    ping = TaskFactory(workflow=workflow, slug="ping", title="Ping", position=10)
    pong = TaskFactory(workflow=workflow, slug="pong", title="Pong", position=11)
    TransitionFactory(workflow=workflow, from_task=ping, to_task=pong, slug="to-pong")
    TransitionFactory(workflow=workflow, from_task=pong, to_task=ping, slug="to-ping")

    drawings = set()
    for _ in range(3):
        diagram.forget_drawn_diagrams()  # laid out anew each time
        drawings.add(workflow_diagram_svg(workflow))
    assert len(drawings) == 1
    root = _parse(drawings.pop())
    assert len(list(root.iter(f"{SVG}polyline"))) == workflow.transitions.count()
    tooltips = {t.text for g in root.iter(f"{SVG}g") if g.get("class") == "transition" for t in g.iter(f"{SVG}title")}
    assert {"back-1 — priority 1: always", "to-pong — priority 10: always"} <= tooltips
    boxes = _task_boxes(root)
    main_right = max(boxes[f"t{t.pk}"][0] for t in (first, second, third, fourth)) + 200
    # The part not reached from the start is drawn beside the main part, not on top of it.
    assert min(boxes[f"t{ping.pk}"][0], boxes[f"t{pong.pk}"][0]) >= main_right


def test_diagram_laid_out_again_only_when_what_it_shows_changes(company_a, creator_a, layouts):
    role = CompanyRoleFactory(company=company_a, name="Reviewers", slug="reviewers")
    workflow = simple_workflow(company_a, tasks=2)
    first = workflow.tasks.order_by("position").first()
    services.task_update(task=first, user=creator_a, assignee_role=role)

    drawn = workflow_diagram_svg(workflow)
    assert workflow_diagram_svg(workflow) == drawn
    assert len(layouts) == 1  # kept, not laid out again

    services.task_update(task=first, user=creator_a, title="Check the request")
    retitled = workflow_diagram_svg(workflow)
    assert "Check the request" in retitled and "Step 1" not in retitled

    role.name = "Auditors"
    role.save()  # a role's name is shown, though renaming it does not touch the workflow
    assert "Auditors" in workflow_diagram_svg(workflow)

    marked = workflow_diagram_svg(workflow, highlight_task_ids={first.pk})
    assert 'class="task faulty"' in marked and 'class="task faulty"' not in retitled
    assert len(layouts) == 4
    assert workflow_diagram_svg(workflow, highlight_task_ids={first.pk}) == marked
    assert len(layouts) == 4


def test_diagram_keeps_a_bounded_number_of_drawings(company_a, layouts, settings):
    kept = settings.CACHES[diagram.DIAGRAM_CACHE]["OPTIONS"]["MAX_ENTRIES"]
    workflows = [simple_workflow(company_a, tasks=1) for _ in range(kept + 3)]
    for workflow in workflows:
        workflow_diagram_svg(workflow)
    assert len(layouts) == kept + 3
    # The drawings used last are kept, the first three were dropped to make room.
    for workflow in workflows[3:]:
        workflow_diagram_svg(workflow)
    assert len(layouts) == kept + 3
    for workflow in workflows[:3]:
        workflow_diagram_svg(workflow)
    assert len(layouts) == kept + 6


def _view_box(root: ET.Element) -> tuple[float, float, float, float]:
    left, top, width, height = map(float, root.get("viewBox").split())
    assert (width, height) == (float(root.get("width")), float(root.get("height")))
    return left, top, left + width, top + height


def _rects(root: ET.Element, css: str) -> list[tuple[float, float, float, float]]:
    """(left, top, right, bottom) of the rects drawn in groups of class `css`."""
    return [_rect_of(group) for group in root.iter(f"{SVG}g") if css in group.get("class", "").split()]


def _rect_of(group: ET.Element) -> tuple[float, float, float, float]:
    rect = group.find(f"{SVG}rect")
    x, y, w, h = (float(rect.get(k)) for k in ("x", "y", "width", "height"))
    return (x, y, x + w, y + h)


def _label_boxes(root: ET.Element) -> dict[str, tuple[float, float, float, float]]:
    """Each transition's label background, by the transition's slug."""
    return dict(zip(_transitions(root), _rects(root, "transition"), strict=True))


def _task_rect(root: ET.Element, key: str) -> tuple[float, float, float, float]:
    (rect,) = [_rect_of(group) for group in root.iter(f"{SVG}g") if group.get("data-task") == key]
    return rect


def _middle(line: list[tuple[float, float]]) -> tuple[float, float]:
    if len(line) > 2:
        return line[len(line) // 2]
    return ((line[0][0] + line[-1][0]) / 2, (line[0][1] + line[-1][1]) / 2)


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _points(group: ET.Element) -> list[tuple[float, float]]:
    line = group.find(f"{SVG}polyline").get("points")
    return [tuple(map(float, pair.split(","))) for pair in line.split()]


def _transitions(root: ET.Element) -> dict[str, ET.Element]:
    """The transition groups by the slug their tooltip starts with."""
    return {
        g.find(f"{SVG}title").text.split(" — ")[0]: g
        for g in root.iter(f"{SVG}g")
        if "transition" in g.get("class", "").split()
    }


@pytest.fixture
def crowded(company_a):
    """A review with two conditions to the same task, a way back, two loops onto itself, long
    titles and conditions, and several ends: what the drawing must keep apart and inside."""
    workflow = WorkflowFactory(company=company_a)
    review = TaskFactory(
        workflow=workflow,
        slug="review",
        title="Review of the request by the manager of the requester's team",
        output_schema=[{"name": "approved", "label": "Approved", "type": "boolean"}],
    )
    provide = TaskFactory(workflow=workflow, slug="provide", title="Provide")
    long_condition = "output.approved == true && 100000 > 99999 && 'administrator' != 'requester'"
    TransitionFactory(workflow=workflow, from_task=None, to_task=review, slug="begin", condition="")
    TransitionFactory(
        workflow=workflow, from_task=review, to_task=provide, slug="big", priority=1, condition=long_condition
    )
    TransitionFactory(workflow=workflow, from_task=review, to_task=provide, slug="small", priority=2, condition="true")
    TransitionFactory(workflow=workflow, from_task=provide, to_task=review, slug="back", priority=1, condition="false")
    TransitionFactory(workflow=workflow, from_task=review, to_task=review, slug="again", priority=3, condition="false")
    TransitionFactory(workflow=workflow, from_task=review, to_task=review, slug="twice", priority=4, condition="1 == 2")
    TransitionFactory(workflow=workflow, from_task=review, to_task=None, slug="stop", priority=9, condition="")
    TransitionFactory(workflow=workflow, from_task=provide, to_task=None, slug="done", priority=9, condition="")
    return workflow, review, provide


def test_diagram_grows_to_everything_it_draws(crowded):
    workflow, _review, _provide = crowded
    root = _parse(workflow_diagram_svg(workflow))
    left, top, right, bottom = _view_box(root)
    for box in _rects(root, "task") + _rects(root, "terminal") + _rects(root, "transition"):
        assert left <= box[0] and box[2] <= right and top <= box[1] and box[3] <= bottom, box
    for group in _transitions(root).values():
        assert all(left <= x <= right and top <= y <= bottom for x, y in _points(group))
    # A task's box is as wide as its title (shortened only when very long), not cut by it.
    titles = {t.text: t for t in root.iter(f"{SVG}text")}
    assert any(text.startswith("Review of the request by the manager") for text in titles)
    assert max(box[2] - box[0] for box in _rects(root, "task")) > diagram.BOX_W


def test_diagram_draws_parallel_transitions_and_their_labels_apart(crowded):
    workflow, _review, _provide = crowded
    root = _parse(workflow_diagram_svg(workflow))
    groups = _transitions(root)
    big, small, back = (_points(groups[slug]) for slug in ("big", "small", "back"))
    # The middles of the three lines joining the same two boxes are apart.
    middles = [_middle(line) for line in (big, small, back)]
    for i, a in enumerate(middles):
        for b in middles[i + 1 :]:
            assert ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5 >= diagram.PARALLEL_GAP * 0.9


def test_diagram_labels_cover_no_box_and_no_other_label(crowded, company_a):
    workflow, _review, _provide = crowded
    ladder, _tasks = _ladder(company_a, 8)
    for drawn in (workflow, ladder):
        root = _parse(workflow_diagram_svg(drawn))
        labels = _rects(root, "transition")
        boxes = _rects(root, "task") + _rects(root, "terminal")
        for i, label in enumerate(labels):
            assert not any(_overlap(label, box) for box in boxes), label
            assert not any(_overlap(label, other) for other in labels[i + 1 :]), label


def test_diagram_draws_each_loop_of_a_task_onto_itself_apart(crowded):
    workflow, review, _provide = crowded
    root = _parse(workflow_diagram_svg(workflow))
    groups = _transitions(root)
    again, twice = _points(groups["again"]), _points(groups["twice"])
    box = _task_rect(root, f"t{review.pk}")
    # Both loops leave and rejoin the box's right side, one around the other.
    for loop in (again, twice):
        assert loop[0][0] == pytest.approx(box[2], abs=1) and loop[-1][0] == pytest.approx(box[2], abs=1)
    assert max(x for x, _y in twice) >= max(x for x, _y in again) + diagram.LOOP_STEP - 1
    labels = _label_boxes(root)
    assert not _overlap(labels["again"], labels["twice"])
    assert labels["again"][0] >= max(x for x, _y in again)  # beside its loop, not across it


def test_diagram_task_opens_its_task_on_the_workflow_page(company_a):
    workflow = simple_workflow(company_a, tasks=2)
    root = _parse(workflow_diagram_svg(workflow))
    links = {
        a.get("href"): a.find(f"{SVG}g").get("data-task") for a in root.iter(f"{SVG}a") if a.find(f"{SVG}g") is not None
    }
    assert links == {f"#task-{t.slug}": f"t{t.pk}" for t in workflow.tasks.all()}


def test_diagram_marks_what_error_findings_name_with_the_finding(company_a, creator_a):
    from workflow_design.rules.linting import lint_workflow

    workflow = simple_workflow(company_a, tasks=2)
    first = workflow.tasks.order_by("position").first()
    bad = workflow.transitions.get(from_task=first)
    # A default tried before a conditional transition: an error finding on the default.
    TransitionFactory(workflow=workflow, from_task=first, to_task=None, priority=99, condition="true", slug="late")
    findings = lint_workflow(workflow)
    named = {f.object_slug: f.message for f in findings if f.level == "error" and f.object_type == "transition"}
    assert bad.slug in named
    root = _parse(workflow_diagram_svg(workflow, marks=diagram.diagram_marks(findings)))
    groups = _transitions(root)
    faulty = {slug for slug, g in groups.items() if "faulty" in g.get("class").split()}
    assert faulty == set(named)
    assert named[bad.slug] in groups[bad.slug].find(f"{SVG}title").text
    # A task named by an error finding carries its message too.
    task_marks = diagram.DiagramMarks(tasks={first.pk: ("Nobody can reach it.",)})
    marked = _parse(workflow_diagram_svg(workflow, marks=task_marks))
    (title,) = [g.find(f"{SVG}title").text for g in marked.iter(f"{SVG}g") if g.get("data-task") == f"t{first.pk}"]
    assert "Nobody can reach it." in title and "faulty" in next(
        g.get("class") for g in marked.iter(f"{SVG}g") if g.get("data-task") == f"t{first.pk}"
    )


def test_diagram_drawn_again_when_its_findings_change(company_a, layouts):
    workflow = simple_workflow(company_a, tasks=1)
    task = workflow.tasks.get()
    plain = workflow_diagram_svg(workflow)
    one = diagram.DiagramMarks(tasks={task.pk: ("First problem.",)})
    other = diagram.DiagramMarks(tasks={task.pk: ("Another problem.",)})
    assert "First problem." in workflow_diagram_svg(workflow, marks=one)
    assert "Another problem." in workflow_diagram_svg(workflow, marks=other)
    assert workflow_diagram_svg(workflow, marks=one) != plain
    assert len(layouts) == 3
    workflow_diagram_svg(workflow, marks=diagram.DiagramMarks(tasks={task.pk: ("First problem.",)}))
    assert len(layouts) == 3  # the same findings: the kept drawing


def test_workflow_page_diagram_marks_the_faulty_transition(company_a, creator_a, client):
    workflow = simple_workflow(company_a, tasks=2)
    first = workflow.tasks.order_by("position").first()
    bad = workflow.transitions.get(from_task=first)
    TransitionFactory(workflow=workflow, from_task=first, to_task=None, priority=99, condition="true", slug="late")
    client.force_login(creator_a)
    body = client.get(reverse("admin:workflow_design_workflowdefinition_change", args=[workflow.pk])).content.decode()
    start = body.index('<svg xmlns="http://www.w3.org/2000/svg" class="wd-diagram"')
    svg = body[start : body.index("</svg>", start) + 6]
    groups = _transitions(_parse(svg))
    assert "faulty" in groups[bad.slug].get("class").split()
