"""Sphinx extension: a figure on a chapter page whose image is a notebook's glued output.

myst-nb's ``glue:figure`` directive only pastes keys of the page's own notebook, and its
``glue`` directive pastes other notebooks' keys (``:doc:``) but without a caption. A
chapter page shows its lab's key result, computed by the lab, with a caption:

.. code-block:: markdown

    ```{glue-figure} ../notebooks/training.ipynb::fig_saturation
    :name: fig-training-saturation
    :alt: What the image shows, for a reader who cannot see it.

    The caption: what to notice. Further paragraphs become the legend.
    ```

The image is resolved like myst-nb's cross-document glue (a pending reference replaced
after all notebooks are read), inside a ``figure`` node with the caption; a second
post-transform gives the pasted image its alt text.
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import directives
from myst_nb.ext.glue.utils import PendingGlueReferenceError, create_pending_glue_ref
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

_ALT = "gan_edu_glue_alt"


class GlueFigure(SphinxDirective):
    required_arguments = 1  # "path/to/notebook.ipynb::key"
    has_content = True
    option_spec = {"name": directives.unchanged, "alt": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        target = self.arguments[0]
        if "::" not in target:
            raise self.error(f"glue-figure needs 'path/to/notebook.ipynb::key', got {target!r}")
        path, key = target.split("::", 1)
        if not self.content:
            raise self.error(f"glue-figure {target!r} needs a caption")
        if not self.options.get("alt"):
            raise self.error(f"glue-figure {target!r} needs :alt: text")
        try:
            ref = create_pending_glue_ref(self.state.document, self.get_source_info()[0], self.lineno, path, key)
        except PendingGlueReferenceError as exc:
            raise self.error(str(exc)) from None
        figure = nodes.figure("", ref)
        figure[_ALT] = self.options["alt"]
        self.set_source_info(figure)
        self.add_name(figure)
        body = nodes.Element()
        self.state.nested_parse(self.content, self.content_offset, body)
        first, *rest = body.children
        if not isinstance(first, nodes.paragraph):
            raise self.error(f"glue-figure {target!r}: the caption must start with a paragraph")
        caption = nodes.caption(first.rawsource, "", *first.children)
        caption.source, caption.line = first.source, first.line
        figure += caption
        if rest:
            figure += nodes.legend("", *rest)
        return [figure]


class GlueFigureAlt(SphinxPostTransform):
    """After myst-nb has pasted the image (priority 5), give it the directive's alt text."""

    default_priority = 6

    def apply(self, **kwargs) -> None:
        for figure in self.document.findall(nodes.figure):
            alt = figure.get(_ALT)
            if alt is None:
                continue
            for image in figure.findall(nodes.image):
                image["alt"] = alt
            del figure[_ALT]


def setup(app):
    app.add_directive("glue-figure", GlueFigure)
    app.add_post_transform(GlueFigureAlt)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
