"""Chinese templates shared by every topic; ``{subject}`` and ``{context}`` are filled in from the
topic's vocabulary (``{Subject}`` too, which in Chinese is the same word)."""

TITLES = (
    "{context}对{subject}的五个误解",
    "重新认识{subject}",
    "{subject}：来自{context}的经验",
    "关于{subject}的五个迷思",
    "一文读懂{subject}",
    "{context}能教会我们哪些关于{subject}的事",
    "关于{subject}的十个问题",
    "{subject}鲜为人知的历史",
    "{context}眼中的{subject}",
    "为什么{context}总是回到{subject}",
    "{subject}简明指南",
    "我们对{subject}仍然知之甚少",
    "{subject}背后的人",
)
PRESENT_DAY_TITLES = (
    "{context}如何看待{subject}",
    "{subject}实用指南",
    "{subject}的隐性成本",
    "一年的{subject}实践教会了我们什么",
    "从零开始了解{subject}",
    "{subject}的未来",
    "为什么{context}押注{subject}",
    "不带炒作地谈{subject}",
    "{subject}领域的一场静悄悄的变革",
)
SUMMARY_OPENERS = (
    "深入了解{subject}，以及{context}一路走来的收获。",
    "我们采访了{context}，聊聊{subject}：哪些做法有效，哪些无效，接下来会怎样。",
    "关于{subject}你需要知道的一切，从基础知识到悬而未决的问题。",
    "从{context}的经历看{subject}。",
    "一篇通俗易懂的{subject}入门，附有来自{context}的例子。",
    "围绕{subject}的争论从未如此激烈，看看{context}怎么说。",
)
BODY_OPENERS = (
    "问问{context}对{subject}的看法，你会听到各种各样的意见。",
    "谈到{subject}，细节往往比标题更重要。",
    "{subject}的故事比乍看起来要复杂得多。",
    "{subject}在不同的人眼中有着不同的样子。",
)
PRESENT_DAY_BODY_OPENERS = (
    "对{context}来说，{subject}的吸引力显而易见。",
    "{subject}最难的部分很少是想法本身，而是改变习惯。",
    "并不是每个人都认同{subject}，怀疑者提出的观点也不无道理。",
    "从小处着手尝试{subject}，再从结果中学习，会更稳妥。",
    "关于{subject}，一些最有用的教训来自失败的项目。",
    "{subject}接下来会怎样，取决于现在做出的决定。",
)
CLOSINGS = (
    "无论接下来发生什么，{subject}都会让{context}忙上好些年。",
    "关于{subject}的讨论远未结束。",
    "眼下最好的建议是：保持好奇，不断提问。",
    "我们会继续关注{subject}，并报道{context}的新发现。",
)
