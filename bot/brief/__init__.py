"""Preparing attendees before the event: the briefing pack and what the Prepare tab shows.

`pack.build_brief` gathers the cited parts, `render` turns them into Markdown, HTML and PDF;
`compare`, `guide`, `pictures`, `quiz` and `stance` are the parts the tab shows on their own.
Modules are imported where used, so importing the package does not load matplotlib.
"""
