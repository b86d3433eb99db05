"""Topics about culture, everyday life and leisure."""

from .base import TopicVocabulary

HISTORY = TopicVocabulary(
    name="History",
    description="How people lived, traded and invented, and how we know what we know.",
    subjects=(
        "medieval trade routes", "the printing press", "Roman aqueducts",
        "the Industrial Revolution", "the Silk Road", "early photography", "old maps",
        "Viking navigation", "the space race", "women in early science", "timekeeping",
        "Renaissance workshops", "the telegraph", "postwar reconstruction",
    ),
    contexts=(
        "archaeologists", "local historians", "museum curators", "archivists", "schoolteachers",
        "historians",
    ),
    facts=(
        "Much of what we know about daily life comes from receipts, letters and other "
        "ordinary documents.",
        "New technologies often took decades to change how people actually lived.",
        "Trade moved ideas as well as goods across great distances.",
        "Archives are full of records that nobody has read in centuries.",
        "Maps reveal as much about their makers as about the places they show.",
        "Methods such as isotope analysis keep revising old stories.",
        "The people who left the most records were rarely typical of their time.",
        "Museums increasingly ask whose stories their collections tell.",
    ),
    timeless=True,
    extra_titles=(
        "How {subject} changed everyday life",
        "Lost and found: {subject} in the archives",
        "{Subject} through the eyes of {context}",
    ),
    also_about=(
        ("the space race", "Space"),
        ("medieval trade routes", "Economics"),
        ("the Silk Road", "Travel"),
        ("early photography", "Design"),
    ),
)  # fmt: skip

MUSIC = TopicVocabulary(
    name="Music",
    description="Making, recording and listening to music, from bedrooms to concert halls.",
    subjects=(
        "vinyl records", "film scores", "jazz improvisation", "home recording",
        "streaming royalties", "choir singing", "electronic music", "music theory",
        "live sound", "folk revivals", "concert acoustics", "songwriting",
        "hip-hop production", "music education",
    ),
    contexts=(
        "bedroom producers", "session musicians", "concert promoters", "music teachers",
        "independent labels", "festival organisers",
    ),
    facts=(
        "Streaming made almost all recorded music available, but paid most artists very little.",
        "Live performance has become the main source of income for many musicians.",
        "Affordable software lets anyone record an album at home.",
        "Learning an instrument in childhood shapes how people listen for life.",
        "The acoustics of a room change how the same piece sounds.",
        "Many popular songs share a handful of chord progressions.",
        "Scenes grow around small venues, which are often the first to close.",
        "Collaborations across genres are increasingly common.",
    ),
    also_about=(
        ("streaming royalties", "Economics"),
        ("folk revivals", "History"),
        ("concert acoustics", "Design"),
    ),
)  # fmt: skip

COOKING = TopicVocabulary(
    name="Cooking",
    description="Recipes, techniques and the stories behind what we eat.",
    subjects=(
        "sourdough baking", "fermentation", "cast-iron pans", "weeknight dinners",
        "plant-based protein", "knife skills", "spice blends", "slow cooking", "food waste",
        "street food", "fresh pasta", "meal planning", "baking chemistry", "regional cuisines",
    ),
    contexts=(
        "home cooks", "restaurant kitchens", "food writers", "market traders", "bakers",
        "grandparents",
    ),
    facts=(
        "Salt, fat, acid and heat do most of the work in a good dish.",
        "Fermentation preserves food and creates flavour at the same time.",
        "A sharp knife is safer than a dull one.",
        "Roughly a third of the food produced worldwide is lost or wasted.",
        "Baking rewards precise measurement more than most cooking does.",
        "Seasonal produce is usually cheaper and tastes better.",
        "Many classic dishes began as ways to use up leftovers.",
        "Cooking at home is one of the simplest ways to eat more healthily.",
    ),
    also_about=(
        ("food waste", "Climate"),
        ("regional cuisines", "Travel"),
        ("plant-based protein", "Health"),
    ),
)  # fmt: skip

TRAVEL = TopicVocabulary(
    name="Travel",
    description="Where to go, how to get there, and how to travel lightly on the places you visit.",
    subjects=(
        "night trains", "slow travel", "overtourism", "budget airlines", "walking holidays",
        "city breaks", "travel insurance", "digital nomad visas", "cycling routes",
        "island hopping", "family holidays", "off-season travel", "travel photography",
        "rail passes",
    ),
    contexts=(
        "backpackers", "families", "local guides", "tourism boards", "solo travellers",
        "retirees",
    ),
    facts=(
        "Night trains are returning to routes across Europe.",
        "Popular destinations increasingly limit visitor numbers at peak times.",
        "Travelling out of season is cheaper and often more rewarding.",
        "Flying accounts for a large share of many travellers' carbon footprints.",
        "Local guides earn more when visitors book with them directly.",
        "Walking and cycling routes bring visitors to places the main roads skip.",
        "The best-known sights are rarely the most memorable part of a trip.",
        "Good planning leaves room for the unplanned.",
    ),
    also_about=(
        ("cycling routes", "Sports"),
        ("overtourism", "Economics"),
    ),
)  # fmt: skip

DESIGN = TopicVocabulary(
    name="Design",
    description="Interfaces, objects and information shaped for the people who use them.",
    subjects=(
        "typography", "accessible interfaces", "design systems", "dark patterns",
        "colour palettes", "user research", "industrial design", "information architecture",
        "sustainable packaging", "data visualisation", "icon design", "onboarding flows",
        "furniture design", "wayfinding signage",
    ),
    contexts=(
        "product designers", "design students", "agencies", "accessibility specialists",
        "architects", "in-house design teams",
    ),
    facts=(
        "Good design is often invisible: people notice it only when it fails.",
        "Accessible design helps everyone, not only people with disabilities.",
        "Testing with five users reveals most usability problems.",
        "Consistent components make large products feel coherent.",
        "Typography sets the tone of a page before anyone reads a word.",
        "Charts mislead more often through their axes than through their data.",
        "Constraints such as budget or material often produce the best ideas.",
        "Design decisions are easier to defend when they are grounded in research.",
    ),
    also_about=(
        ("accessible interfaces", "Programming"),
        ("sustainable packaging", "Climate"),
    ),
)  # fmt: skip

SPORTS = TopicVocabulary(
    name="Sports",
    description="Games, athletes and the clubs, coaches and fans around them.",
    subjects=(
        "sports analytics", "marathon training", "women's football", "injury prevention",
        "youth coaching", "esports", "cycling tactics", "the Olympic movement",
        "sports nutrition", "grassroots clubs", "tennis technology", "mountain running",
        "video refereeing", "team chemistry",
    ),
    contexts=(
        "amateur clubs", "coaches", "professional athletes", "sports scientists", "fans",
        "club volunteers",
    ),
    facts=(
        "Data now informs almost every decision in professional sport.",
        "Rest and recovery matter as much as training volume.",
        "Attendance at women's matches has grown rapidly in recent years.",
        "Most injuries in amateur sport come from doing too much too soon.",
        "Grassroots clubs depend on volunteers who are getting harder to find.",
        "Video review has changed how officials make decisions and how fans react.",
        "Young athletes benefit from playing several sports before specialising.",
        "Team cohesion is hard to measure but easy to see when it is missing.",
    ),
    also_about=(
        ("sports nutrition", "Health"),
        ("injury prevention", "Health"),
        ("sports analytics", "Machine learning"),
    ),
)  # fmt: skip

CULTURE = (HISTORY, MUSIC, COOKING, TRAVEL, DESIGN, SPORTS)
