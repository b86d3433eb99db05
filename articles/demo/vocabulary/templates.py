"""Templates shared by every topic; ``{subject}``/``{Subject}`` and ``{context}`` are filled in
from the topic's vocabulary."""

TITLES = (
    "What {context} get wrong about {subject}",
    "Rethinking {subject}",
    "{Subject}: lessons from {context}",
    "Five myths about {subject}",
    "{Subject}, explained",
    "What {context} can teach us about {subject}",
    "Ten questions about {subject}, answered",
    "The surprising history of {subject}",
    "Notes on {subject} from {context}",
    "Why {context} keep coming back to {subject}",
    "A short guide to {subject}",
    "What we still don't know about {subject}",
    "The people behind {subject}",
)
PRESENT_DAY_TITLES = (
    "How {context} approach {subject}",
    "A practical guide to {subject}",
    "The hidden costs of {subject}",
    "What a year of {subject} taught us",
    "Getting started with {subject}",
    "The future of {subject}",
    "Why {context} are betting on {subject}",
    "{Subject} without the hype",
    "Inside the quiet revolution in {subject}",
)
SUMMARY_OPENERS = (
    "A close look at {subject} and what {context} have learned along the way.",
    "We spoke to {context} about {subject}: what worked, what did not, and what comes next.",
    "Everything you need to know about {subject}, from the basics to the open questions.",
    "{Subject}, seen through the experience of {context}.",
    "An accessible introduction to {subject}, with examples from {context}.",
    "The debates around {subject} are louder than ever. Here is what {context} make of them.",
)
BODY_OPENERS = (
    "Ask {context} about {subject} and you will hear a range of opinions.",
    "With {subject}, the details matter more than the headlines suggest.",
    "The story of {subject} is more complicated than it first appears.",
    "{Subject} looks different depending on who you ask.",
)
PRESENT_DAY_BODY_OPENERS = (
    "For {context}, the appeal of {subject} is easy to see.",
    "The hardest part of {subject} is rarely the idea itself; it is changing habits.",
    "Not everyone is convinced by {subject}, and the sceptics raise fair points.",
    "It helps to start small with {subject} and learn from what happens.",
    "Some of the most useful lessons about {subject} come from projects that went wrong.",
    "What happens next with {subject} depends on decisions being made now.",
)
CLOSINGS = (
    "Whatever happens next, {subject} will keep {context} busy for years to come.",
    "The conversation about {subject} is far from over.",
    "For now, the best advice is to stay curious and keep asking questions.",
    "We will keep following {subject} and report back on what {context} discover.",
)
