//! The large page view: the page fitted into the view, zoomed and moved
//! with the mouse wheel, dragging or the keyboard, with the OCR words and,
//! in colour, the evidence that decided the case drawn over it.

use super::message::{LoadedPage, Message};
use super::state::{View, Zoom};
use super::theme::{DOUBT, evidence_colour};
use iced::mouse::{self, ScrollDelta};
use iced::widget::canvas::{self, Action, Event, Frame, Geometry, Stroke};
use iced::{Color, Point, Rectangle, Renderer, Size, Theme, Vector};
use scanstelle::classify::casefind::EvidenceKind;
use scanstelle::ocr::Word;

/// A box to highlight: kind, place on the stored page, label.
#[derive(Debug, Clone)]
pub struct Mark {
    /// What kind of evidence.
    pub kind: EvidenceKind,
    /// Left, top, width, height in the stored page's pixels.
    pub bbox: [u32; 4],
    /// A number in no case: the cause of the review, not evidence for it.
    pub doubt: bool,
    /// The uncertain item Tab went to: drawn stronger.
    pub focused: bool,
}

/// The evidence boxes of these candidates on page `n` (0-based), and the
/// doubts (numbers in no case) on it; doubt number `focused` drawn stronger.
pub fn marks<'a>(
    candidates: impl Iterator<Item = &'a scanstelle::classify::casefind::Candidate>,
    doubts: &[scanstelle::classify::casefind::Evidence],
    n: usize,
    focused: Option<usize>,
) -> Vec<Mark> {
    let on_page = |e: &scanstelle::classify::casefind::Evidence| e.page as usize == n + 1;
    let evidence = candidates
        .flat_map(|c| c.evidence.iter())
        .filter(|e| on_page(e))
        .filter_map(|e| {
            Some(Mark {
                kind: e.kind,
                bbox: e.bbox?,
                doubt: false,
                focused: false,
            })
        });
    let doubts = doubts
        .iter()
        .enumerate()
        .filter(|(_, e)| on_page(e))
        .filter_map(|(i, e)| {
            Some(Mark {
                kind: e.kind,
                bbox: e.bbox?,
                doubt: true,
                focused: focused == Some(i),
            })
        });
    evidence.chain(doubts).collect()
}

/// The page view program.
pub struct PageView<'a> {
    /// The page image.
    pub page: &'a LoadedPage,
    /// OCR words of the page (stored page's pixels).
    pub words: &'a [Word],
    /// Evidence boxes on this page.
    pub marks: Vec<Mark>,
    /// Whether to draw the words and marks.
    pub overlay: bool,
    /// Zoom and position.
    pub view: View,
    /// The message a zoom or drag on the page sends (the screen's own).
    pub on_zoom: fn(Zoom) -> Message,
    /// Which layer this canvas draws: the page image, or the boxes over it
    /// (the renderer draws images above shapes within one layer, so the
    /// boxes need a layer of their own; that one also takes the mouse).
    pub layer: Layer,
}

/// A layer of the page view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// The page image.
    Image,
    /// Words and evidence boxes; handles zoom and drag.
    Marks,
}

impl PageView<'_> {
    /// Where the page lies in a view of `size`: top-left corner and scale
    /// (view pixels per image pixel).
    fn placement(&self, size: Size) -> (Point, f32) {
        let (w, h) = (self.page.width as f32, self.page.height as f32);
        let fit = (size.width / w).min(size.height / h);
        let scale = fit * self.view.zoom;
        let top_left = Point::new(
            (size.width - w * scale) / 2.0 + self.view.offset.x,
            (size.height - h * scale) / 2.0 + self.view.offset.y,
        );
        (top_left, scale)
    }
}

impl canvas::Program<Message> for PageView<'_> {
    /// Where a drag last was.
    type State = Option<Point>;

    fn update(
        &self,
        drag: &mut Self::State,
        event: &Event,
        bounds: Rectangle,
        cursor: mouse::Cursor,
    ) -> Option<Action<Message>> {
        let Event::Mouse(event) = event else {
            return None;
        };
        if self.layer != Layer::Marks {
            return None;
        }
        match event {
            mouse::Event::WheelScrolled { delta } => {
                let at = cursor.position_in(bounds)?;
                let steps = match delta {
                    ScrollDelta::Lines { y, .. } => *y,
                    ScrollDelta::Pixels { y, .. } => y / 40.0,
                };
                let about = Point::new(at.x - bounds.width / 2.0, at.y - bounds.height / 2.0);
                Some(
                    Action::publish((self.on_zoom)(Zoom::At(1.2f32.powf(steps), about)))
                        .and_capture(),
                )
            }
            mouse::Event::ButtonPressed(mouse::Button::Left) => {
                *drag = Some(cursor.position_over(bounds)?);
                Some(Action::capture())
            }
            mouse::Event::CursorMoved { position } => {
                let last = (*drag)?;
                *drag = Some(*position);
                Some(Action::publish((self.on_zoom)(Zoom::Pan(*position - last))).and_capture())
            }
            mouse::Event::ButtonReleased(mouse::Button::Left) => {
                drag.take().map(|_| Action::capture())
            }
            _ => None,
        }
    }

    fn draw(
        &self,
        _drag: &Self::State,
        renderer: &Renderer,
        theme: &Theme,
        bounds: Rectangle,
        _cursor: mouse::Cursor,
    ) -> Vec<Geometry> {
        let mut frame = Frame::new(renderer, bounds.size());
        let (top_left, scale) = self.placement(bounds.size());
        let size = Size::new(
            self.page.width as f32 * scale,
            self.page.height as f32 * scale,
        );
        if self.layer == Layer::Image {
            // A soft shadow lifts the sheet off the background.
            frame.fill_rectangle(
                top_left + Vector::new(3.0, 3.0),
                size,
                Color::from_rgba(0.0, 0.0, 0.0, 0.25),
            );
            frame.draw_image(Rectangle::new(top_left, size), &self.page.handle);
        } else if self.overlay {
            let per_pixel = scale / self.page.reduced_by as f32;
            let rect = |b: [u32; 4]| {
                (
                    Point::new(
                        top_left.x + b[0] as f32 * per_pixel,
                        top_left.y + b[1] as f32 * per_pixel,
                    ),
                    Size::new(b[2] as f32 * per_pixel, b[3] as f32 * per_pixel),
                )
            };
            let word = Color {
                a: 0.55,
                ..theme.extended_palette().primary.base.color
            };
            for w in self.words {
                let (p, s) = rect([w.left, w.top, w.width, w.height]);
                frame.stroke_rectangle(p, s, Stroke::default().with_color(word).with_width(1.0));
            }
            for m in &self.marks {
                let (p, s) = rect(m.bbox);
                let colour = if m.doubt {
                    DOUBT
                } else {
                    evidence_colour(m.kind)
                };
                // The item Tab went to: a wider frame, a stronger fill.
                let (grow, fill, width) = if m.focused {
                    (7.0, 0.28, 4.0)
                } else {
                    (3.0, 0.12, 2.0)
                };
                let pad = Vector::new(grow, grow);
                let (p, s) = (
                    p - pad,
                    Size::new(s.width + 2.0 * grow, s.height + 2.0 * grow),
                );
                frame.fill_rectangle(p, s, Color { a: fill, ..colour });
                frame.stroke_rectangle(
                    p,
                    s,
                    Stroke::default().with_color(colour).with_width(width),
                );
            }
        }
        vec![frame.into_geometry()]
    }

    fn mouse_interaction(
        &self,
        drag: &Self::State,
        bounds: Rectangle,
        cursor: mouse::Cursor,
    ) -> mouse::Interaction {
        if self.layer != Layer::Marks {
            return mouse::Interaction::default();
        }
        match (drag, cursor.is_over(bounds)) {
            (Some(_), _) => mouse::Interaction::Grabbing,
            (None, true) => mouse::Interaction::Grab,
            (None, false) => mouse::Interaction::default(),
        }
    }
}

/// The page view: the image and, above it, the boxes.
pub fn page_view<'a>(
    page: &'a LoadedPage,
    words: &'a [Word],
    marks: Vec<Mark>,
    overlay: bool,
    view: View,
    on_zoom: fn(Zoom) -> Message,
) -> iced::Element<'a, Message> {
    let layer = |layer, marks| {
        canvas::Canvas::new(PageView {
            page,
            words,
            marks,
            overlay,
            view,
            on_zoom,
            layer,
        })
        .width(iced::Fill)
        .height(iced::Fill)
    };
    // The stack draws every child after the first in a layer of its own,
    // clipped to the stack: so the image, too, stays inside the frame when
    // zoomed (a canvas does not clip its images by itself).
    iced::widget::stack![
        iced::widget::space().width(iced::Fill).height(iced::Fill),
        layer(Layer::Image, Vec::new()),
        layer(Layer::Marks, marks)
    ]
    .clip(true)
    .into()
}
