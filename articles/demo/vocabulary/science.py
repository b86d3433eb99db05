"""Topics about science, technology and the economy."""

from .base import TopicVocabulary

MACHINE_LEARNING = TopicVocabulary(
    name="Machine learning",
    description="Models that learn from data, and the people who build, test and run them.",
    subjects=(
        "small language models", "feature stores", "model evaluation",
        "recommendation systems", "data labelling", "gradient boosting",
        "reinforcement learning", "model monitoring", "synthetic training data",
        "on-device inference", "vector search", "transfer learning", "explainable AI",
        "active learning",
    ),
    contexts=(
        "small teams", "research labs", "hospital data teams", "early-stage startups",
        "open-source maintainers", "platform engineers",
    ),
    facts=(
        "Most of the effort in a working system goes into data, not into the model itself.",
        "A model that scores well offline can still disappoint once real users arrive.",
        "Evaluation sets drift out of date faster than most teams expect.",
        "Simple baselines such as popularity remain surprisingly hard to beat.",
        "Training has become cheaper, but careful experiment tracking matters as much as ever.",
        "Monitoring predictions in production catches problems no offline test anticipates.",
        "Labelled data is expensive, so teams look for ways to learn from fewer examples.",
        "Explaining why a model made a decision builds trust with the people who rely on it.",
    ),
    also_about=(
        ("on-device inference", "Programming"),
        ("vector search", "Programming"),
        ("model monitoring", "Programming"),
    ),
)  # fmt: skip

CLIMATE = TopicVocabulary(
    name="Climate",
    description="A warming world: the science, the energy transition and how places adapt.",
    subjects=(
        "heat pumps", "carbon accounting", "urban heat islands", "offshore wind",
        "grid-scale batteries", "climate adaptation", "peatland restoration", "green steel",
        "flood defences", "methane leaks", "carbon removal", "seasonal forecasts",
        "rooftop solar", "climate litigation",
    ),
    contexts=(
        "coastal towns", "city planners", "farmers", "insurers", "energy cooperatives",
        "climate scientists",
    ),
    facts=(
        "Global average temperatures have risen by about 1.2 degrees since pre-industrial times.",
        "Electricity from wind and sunlight is now the cheapest new power in much of the world.",
        "Adaptation spending lags far behind what vulnerable regions say they need.",
        "Buildings account for a large share of energy use, most of it for heating and cooling.",
        "Extreme rainfall has become more frequent in many regions.",
        "Local decisions about zoning and drainage shape how a town copes with floods.",
        "Measuring emissions reliably is the first step towards reducing them.",
        "Restoring wetlands stores carbon and protects against floods at the same time.",
    ),
    also_about=(
        ("carbon accounting", "Economics"),
        ("urban heat islands", "Health"),
        ("grid-scale batteries", "Economics"),
    ),
)  # fmt: skip

SPACE = TopicVocabulary(
    name="Space",
    description="Rockets, telescopes and the missions that explore the solar system and beyond.",
    subjects=(
        "reusable rockets", "exoplanet surveys", "lunar landers", "space debris",
        "small satellites", "Mars sample return", "radio astronomy", "gravitational waves",
        "asteroid mining", "space telescopes", "solar storms", "orbital refuelling",
        "dark matter searches", "planetary defence",
    ),
    contexts=(
        "amateur astronomers", "mission controllers", "university labs", "satellite startups",
        "planetary scientists", "space agencies",
    ),
    facts=(
        "Launch costs have dropped sharply since boosters started landing and flying again.",
        "Thousands of exoplanets have been confirmed, and the count keeps growing.",
        "Tracking debris in low Earth orbit has become a daily operational task.",
        "Small satellites now do jobs that once required spacecraft the size of a bus.",
        "Space weather can disrupt power grids, radio links and navigation signals.",
        "Telescopes in space see wavelengths that the atmosphere blocks from the ground.",
        "Missions often take a decade or more from first proposal to launch.",
        "Every gram sent to orbit costs money, which shapes every engineering decision.",
    ),
    also_about=(
        ("asteroid mining", "Economics"),
    ),
)  # fmt: skip

HEALTH = TopicVocabulary(
    name="Health",
    description="Medicine, prevention and the everyday habits that keep people well.",
    subjects=(
        "sleep science", "gut microbiome research", "preventive screening", "telemedicine",
        "strength training", "mental health apps", "antibiotic resistance",
        "personalised nutrition", "wearable sensors", "vaccine development",
        "chronic pain care", "healthy ageing", "clinical trials", "air pollution",
    ),
    contexts=(
        "family doctors", "nurses", "public health teams", "patients", "sports physicians",
        "medical researchers",
    ),
    facts=(
        "Regular physical activity lowers the risk of many chronic diseases.",
        "Many adults sleep less than the seven to nine hours they are advised to get.",
        "Prevention is usually cheaper than treatment, yet it receives a small share of budgets.",
        "Clinical trials are slowly becoming more diverse, but gaps remain.",
        "Wearable devices collect plenty of data; turning it into useful advice is harder.",
        "Resistance to common antibiotics makes routine infections harder to treat.",
        "Loneliness has measurable effects on physical health.",
        "Small, sustained changes tend to outlast dramatic short-term programmes.",
    ),
    also_about=(
        ("air pollution", "Climate"),
        ("personalised nutrition", "Cooking"),
        ("strength training", "Sports"),
    ),
)  # fmt: skip

ECONOMICS = TopicVocabulary(
    name="Economics",
    description="Prices, jobs, markets and the policies that shape them.",
    subjects=(
        "inflation expectations", "housing markets", "minimum wages", "supply chains",
        "central bank independence", "remote work", "universal basic income",
        "productivity growth", "trade tariffs", "the gig economy", "behavioural economics",
        "public debt", "carbon pricing", "small business lending",
    ),
    contexts=(
        "central bankers", "small business owners", "economists", "city councils",
        "trade negotiators", "households",
    ),
    facts=(
        "Interest rates affect the economy with long and variable lags.",
        "Housing costs take a growing share of household income in many cities.",
        "Productivity growth in rich countries has been slow for more than a decade.",
        "Expectations about prices can become self-fulfilling.",
        "Supply chains that were optimised for cost proved fragile under stress.",
        "People do not always behave like the rational agents of textbook models.",
        "Small firms create a large share of new jobs but struggle to find credit.",
        "Every policy has winners and losers, even when the average effect is positive.",
    ),
    also_about=(
        ("carbon pricing", "Climate"),
    ),
)  # fmt: skip

PROGRAMMING = TopicVocabulary(
    name="Programming",
    description="Writing, testing and running software, and working well with other engineers.",
    subjects=(
        "code review", "type systems", "database migrations", "continuous integration",
        "technical debt", "memory safety", "API design", "property-based testing",
        "observability", "monorepos", "data pipelines", "dependency management",
        "pair programming", "incident postmortems",
    ),
    contexts=(
        "small teams", "open-source maintainers", "platform engineers", "junior developers",
        "site reliability engineers", "game studios",
    ),
    facts=(
        "Code is read far more often than it is written.",
        "Automated tests give teams the confidence to change old code.",
        "Most outages begin with a change that looked harmless.",
        "Good error messages save hours of debugging for whoever comes next.",
        "Simple designs are easier to change when requirements move.",
        "Dependencies bring speed today and maintenance work tomorrow.",
        "Small, frequent releases make problems easier to find and fix.",
        "Documentation that lives next to the code is more likely to stay up to date.",
    ),
    also_about=(
        ("data pipelines", "Machine learning"),
        ("API design", "Design"),
    ),
)  # fmt: skip

SCIENCE = (MACHINE_LEARNING, CLIMATE, SPACE, HEALTH, ECONOMICS, PROGRAMMING)
