"""The citizen dialogue's pages: the public answer page /k/<slug>/dialog, the staff pages (questions,
representation, answers from a meeting, results with themes, the workbook and the printable summary), the citizen
promise (staff) and its public page /medborgarlofte."""
from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from webapp import spreadsheets
from webapp.auth.access import actor, require
from webapp.bounded import parse_number
from webapp.campaigns import dialogue, forms, services
from webapp.campaigns import dialogue_presenters as presenters
from webapp.campaigns.models import Campaign, CitizenPromise
from webapp.campaigns.views import bp
from webapp.errors import InputRefused
from webapp.extensions import db, limiter
from webapp.formfields import empty_choice, form_problems
from webapp.i18n import localized
from webapp.reports.catalogue import departments
from webapp.timeutil import local_today


def _dialogue_or_404(dialogue_id: int) -> Campaign:
    campaign = db.session.get(Campaign, dialogue_id)
    if not dialogue.is_dialogue(campaign):
        abort(404)
    return campaign


def _about_form(formdata=True) -> forms.DialogueAboutForm:
    form = forms.DialogueAboutForm() if formdata else forms.DialogueAboutForm(formdata=None)
    choices = presenters.about_choices()
    form.gender.choices = [SelectChoice(k, v) for k, v in choices["gender"]]
    form.age_group.choices = [SelectChoice(k, v) for k, v in choices["age_group"]]
    form.housing.choices = [SelectChoice(k, v) for k, v in choices["housing"]]
    return form


def _answered(campaign: Campaign) -> dialogue.Answered:
    """What was posted, question by question (texts cut at a bound: the service refuses what is too long)."""
    values = {}
    for q in dialogue.questions(campaign):
        name = f"q{q.id}"
        if q.kind == "several":
            values[q.id] = request.form.getlist(name)[:20]
        elif q.kind == "place":
            values[q.id] = tuple(request.form.get(f"{name}-{part}", "")[:dialogue.MAX_TEXT + 1].strip()
                                 for part in ("lat", "lon", "words"))
        else:
            values[q.id] = request.form.get(name, "")[:dialogue.MAX_TEXT + 1]
    return dialogue.Answered(values=values, gender=request.form.get("gender") or None,
                             age_group=request.form.get("age_group") or None,
                             housing=request.form.get("housing") or None)


def _answer_form(campaign: Campaign, channel: str):
    """The dialogue's questions posted by a resident (web) or by staff for a meeting: (response, page values)."""
    form = _about_form()
    answered, found = None, []
    if request.method == "POST":
        answered = _answered(campaign)
        if not form.validate_on_submit():
            found = [(name, message) for name, errors in form.errors.items() for message in errors]
        found = found or dialogue.problems(campaign, answered)
        if not found:
            try:
                return dialogue.submit_response(campaign, answered, channel=channel, actor=actor()), None
            except InputRefused as exc:
                found = [(exc.field, exc.message)]
    page = {"form": form, "questions": presenters.question_fields(
                campaign, answered.values if answered else None, {n: str(m) for n, m in found}),
            "problems": presenters.problem_list(found), "dialogue": presenters.dialogue_row(campaign),
            "intro": localized(campaign.intro), "area": campaign.area}
    return None, page


@bp.route("/k/<slug>/dialog", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REPORT_SUBMIT_LIMIT"], methods=["POST"])
def dialogue_answer(slug: str):
    """The public answer page: phone first, no login, nothing asked that names the person."""
    campaign = services.by_slug(slug)
    if not dialogue.is_dialogue(campaign):
        abort(404)
    if not services.is_open(campaign):
        promise = next((p for p in dialogue.promises() if p.campaign_id == campaign.id), None)
        return render_template("campaigns/dialogue_closed.html", dialogue=presenters.dialogue_row(campaign),
                               intro=localized(campaign.intro),
                               promise=presenters.promise_row(promise) if promise else None)
    response, page = _answer_form(campaign, "web")
    if response is not None:
        return render_template("campaigns/dialogue_thanks.html", dialogue=presenters.dialogue_row(campaign))
    return render_template("campaigns/dialogue_answer.html", **page), 400 if page["problems"] else 200


# Staff

@bp.get("/staff/dialogues")
@require("campaign_results")
def dialogues():
    return render_template("campaigns/dialogues.html",
                           rows=[presenters.dialogue_row(c) for c in dialogue.dialogues()],
                           promises=[presenters.promise_row(p) for p in dialogue.promises()],
                           can_manage=current_user.can("campaigns"))


def _question_form(formdata=True) -> forms.QuestionForm:
    form = forms.QuestionForm() if formdata else forms.QuestionForm(formdata=None)
    form.kind.choices = [SelectChoice(k, v) for k, v in dialogue.QUESTION_KINDS.items()]
    return form


def _dialogue_page(campaign: Campaign, question_form=None, status: int = 200):
    form = question_form or _question_form(formdata=False)
    return render_template("campaigns/dialogue.html", dialogue=presenters.dialogue_row(campaign),
                           questions=presenters.question_rows(campaign), form=form, problems=form_problems(form),
                           representation=presenters.representation_page(dialogue.representation(campaign)),
                           can_manage=current_user.can("campaigns")), status


@bp.get("/staff/dialogues/<int:dialogue_id>")
@require("campaign_results")
def dialogue_page(dialogue_id: int):
    """A dialogue's questions and, while it runs, who has answered beside the population."""
    return _dialogue_page(_dialogue_or_404(dialogue_id))


@bp.post("/staff/dialogues/<int:dialogue_id>/questions")
@require("campaigns")
def dialogue_add_question(dialogue_id: int):
    campaign = _dialogue_or_404(dialogue_id)
    form = _question_form()
    if form.validate_on_submit():
        try:
            dialogue.add_question(campaign, dialogue.QuestionInput(
                kind=form.kind.data, text={lang: getattr(form, f"text_{lang}").data for lang in dialogue.LANGUAGES},
                options={lang: (getattr(form, f"options_{lang}").data or "").splitlines()
                         for lang in dialogue.LANGUAGES}), actor())
        except InputRefused as exc:
            getattr(form, exc.field, form.text_sv).errors.append(exc.message)
        else:
            flash(_("The question was added."), "info")
            return redirect(url_for("campaigns.dialogue_page", dialogue_id=campaign.id, _anchor="questions"))
    elif not form.errors:
        form.text_sv.errors.append(_("Write the question in Swedish."))
    return _dialogue_page(campaign, form, 400)


@bp.post("/staff/dialogues/<int:dialogue_id>/questions/remove")
@require("campaigns")
def dialogue_remove_question(dialogue_id: int):
    campaign = _dialogue_or_404(dialogue_id)
    form = forms.RemoveQuestionForm()
    if not form.validate_on_submit():
        abort(400)
    question_id = parse_number(form.question_id.data)
    try:
        dialogue.remove_question(campaign, question_id, actor())
        flash(_("The question was removed."), "info")
    except InputRefused as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return _dialogue_page(campaign, status=400)
    return redirect(url_for("campaigns.dialogue_page", dialogue_id=campaign.id, _anchor="questions"))


@bp.route("/staff/dialogues/<int:dialogue_id>/meeting", methods=["GET", "POST"])
@require("campaigns")
def dialogue_meeting(dialogue_id: int):
    """One person's answers collected at a physical meeting (on paper, in a talk), entered by staff and marked so."""
    campaign = _dialogue_or_404(dialogue_id)
    response, page = _answer_form(campaign, "meeting")
    if response is not None:
        flash(_("The answers were saved as collected at a meeting. Enter the next person's answers."), "info")
        return redirect(url_for("campaigns.dialogue_meeting", dialogue_id=campaign.id))
    return render_template("campaigns/dialogue_meeting.html", **page), 400 if page["problems"] else 200


@bp.get("/staff/dialogues/<int:dialogue_id>/results")
@require("campaign_results")
def dialogue_results(dialogue_id: int):
    campaign = _dialogue_or_404(dialogue_id)
    search, theme = request.args.get("q", "")[:100], request.args.get("theme", "")[:60]
    data = dialogue.results(campaign, search=search, theme=theme)
    return render_template("campaigns/dialogue_results.html", dialogue=presenters.dialogue_row(campaign),
                           page=presenters.results_page(campaign, data), search=search, theme=theme,
                           theme_form=forms.ThemeForm(formdata=None), can_tag=current_user.can("campaigns"))


@bp.post("/staff/dialogues/<int:dialogue_id>/themes")
@require("campaigns")
def dialogue_tag(dialogue_id: int):
    """Tag a text with a theme (or take it off), then back to the same search."""
    campaign = _dialogue_or_404(dialogue_id)
    form = forms.ThemeForm()
    back = url_for("campaigns.dialogue_results", dialogue_id=campaign.id, q=request.form.get("q") or None,
                   theme=request.form.get("filter") or None)
    if form.validate_on_submit():
        answer_id = parse_number(form.answer_id.data)
        try:
            dialogue.tag_answer(campaign, answer_id, form.theme.data, actor(), remove=request.form.get("remove") == "1")
            flash(_("The theme was saved."), "info")
            return redirect(back + f"#answer-{answer_id}")
        except InputRefused as exc:
            flash(str(exc.message), "error")
    else:
        flash(_("Write the theme, for example “lighting”."), "error")
    return redirect(back)


@bp.get("/staff/dialogues/<int:dialogue_id>/results.xlsx")
@require("campaign_results")
def dialogue_export(dialogue_id: int):
    campaign = _dialogue_or_404(dialogue_id)
    sheets = presenters.workbook_sheets(campaign, dialogue.results(campaign), dialogue.representation(campaign))
    return Response(spreadsheets.xlsx_bytes(sheets), mimetype=spreadsheets.XLSX_MIMETYPE,
                    headers={"Content-Disposition": f"attachment; filename=dialog-{campaign.slug}.xlsx"})


@bp.get("/staff/dialogues/<int:dialogue_id>/summary")
@require("campaign_results")
def dialogue_summary(dialogue_id: int):
    """The summary to print for BRÅ: the counts per question, who answered, the themes."""
    campaign = _dialogue_or_404(dialogue_id)
    return render_template("campaigns/dialogue_summary.html", dialogue=presenters.dialogue_row(campaign),
                           page=presenters.results_page(campaign, dialogue.results(campaign)),
                           representation=presenters.representation_page(dialogue.representation(campaign)),
                           today=local_today().isoformat())


# The citizen promise

def _promise_form(promise: CitizenPromise | None = None, formdata=True) -> forms.PromiseForm:
    if formdata:
        form = forms.PromiseForm()
    elif promise is not None:
        form = forms.PromiseForm(formdata=None, data={"year": promise.year, "text": promise.text,
                                                      "decided_on": promise.decided_on, "campaign": promise.campaign_id})
    else:
        form = forms.PromiseForm(formdata=None, data={"year": local_today().year + 1})
    form.campaign.choices = [empty_choice("—")] + [SelectChoice(c.id, c.name) for c in dialogue.dialogues()]
    return form


def _action_forms(formdata=False):
    action = forms.ActionForm() if formdata else forms.ActionForm(formdata=None)
    action.department.choices = [SelectChoice("", "—")] + [SelectChoice(d.code, localized(d.names)) for d in departments(retired=False)]
    statuses = [SelectChoice(k, v) for k, v in dialogue.ACTION_STATUSES.items()]
    action.status.choices = statuses
    status = forms.ActionStatusForm(formdata=None)
    status.status.choices = statuses
    return action, status


@bp.get("/staff/promises")
@require("campaign_results")
def promises():
    return _promises_page(_promise_form(formdata=False))


def _promises_page(form, status: int = 200):
    return render_template("campaigns/promises.html", form=form, problems=form_problems(form),
                           rows=[presenters.promise_row(p) for p in dialogue.promises()],
                           can_manage=current_user.can("campaigns")), status


def _save_promise(form, promise=None):
    return dialogue.save_promise(year=form.year.data, text=form.text.data or "", decided_on=form.decided_on.data,
                                 campaign_id=form.campaign.data if isinstance(form.campaign.data, int) else None,
                                 actor=actor(), promise=promise)


@bp.post("/staff/promises")
@require("campaigns")
def promise_new():
    form = _promise_form()
    if form.validate_on_submit():
        try:
            promise = _save_promise(form)
        except InputRefused as exc:
            getattr(form, exc.field, form.text).errors.append(exc.message)
        else:
            flash(_("The citizen promise for %(year)d was saved.", year=promise.year), "info")
            return redirect(url_for("campaigns.promise_page", promise_id=promise.id))
    return _promises_page(form, 400)


def _promise_page(promise: CitizenPromise, form=None, action_form=None, status: int = 200):
    form = form or _promise_form(promise, formdata=False)
    action, status_form = _action_forms()
    action_form = action_form or action
    return render_template("campaigns/promise.html", promise=presenters.promise_row(promise), form=form,
                           action_form=action_form, status_form=status_form,
                           problems=form_problems(form) + form_problems(action_form),
                           can_manage=current_user.can("campaigns")), status


@bp.get("/staff/promises/<int:promise_id>")
@require("campaign_results")
def promise_page(promise_id: int):
    return _promise_page(db.get_or_404(CitizenPromise, promise_id))


@bp.post("/staff/promises/<int:promise_id>")
@require("campaigns")
def promise_save(promise_id: int):
    promise = db.get_or_404(CitizenPromise, promise_id)
    form = _promise_form(promise)
    if form.validate_on_submit():
        try:
            _save_promise(form, promise)
        except InputRefused as exc:
            getattr(form, exc.field, form.text).errors.append(exc.message)
        else:
            flash(_("The citizen promise for %(year)d was saved.", year=promise.year), "info")
            return redirect(url_for("campaigns.promise_page", promise_id=promise.id))
    return _promise_page(promise, form=form, status=400)


@bp.post("/staff/promises/<int:promise_id>/actions")
@require("campaigns")
def promise_add_action(promise_id: int):
    promise = db.get_or_404(CitizenPromise, promise_id)
    action_form, _status = _action_forms(formdata=True)
    if action_form.validate_on_submit():
        try:
            dialogue.add_action(promise, text=action_form.text.data, department_code=action_form.department.data or None,
                                status=action_form.status.data, actor=actor())
        except InputRefused as exc:
            getattr(action_form, exc.field, action_form.text).errors.append(exc.message)
        else:
            flash(_("The action was added."), "info")
            return redirect(url_for("campaigns.promise_page", promise_id=promise.id, _anchor="actions"))
    return _promise_page(promise, action_form=action_form, status=400)


@bp.post("/staff/promises/<int:promise_id>/actions/status")
@require("campaigns")
def promise_action_status(promise_id: int):
    promise = db.get_or_404(CitizenPromise, promise_id)
    _action, form = _action_forms()
    form = forms.ActionStatusForm()
    form.status.choices = [SelectChoice(k, v) for k, v in dialogue.ACTION_STATUSES.items()]
    if form.validate_on_submit():
        action_id = parse_number(form.action_id.data)
        try:
            dialogue.set_action_status(promise, action_id, form.status.data, actor())
            flash(_("The status was saved."), "info")
        except InputRefused as exc:
            flash(str(exc.message), "error")
    else:
        flash(_("Choose an action of this promise."), "error")
    return redirect(url_for("campaigns.promise_page", promise_id=promise.id, _anchor="actions"))


@bp.get("/medborgarlofte")
def public_promises():
    """The citizen promises, public: what was promised, by whom, and how far each action has come."""
    return render_template("campaigns/promises_public.html",
                           rows=[presenters.promise_row(p) for p in dialogue.promises()])
