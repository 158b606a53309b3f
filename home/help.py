"""The 使用说明 (help) pages: one per role, each saying how that role's month goes, what the
system and the role do in each of the five steps, what the marks mean, who approves what,
where things are in the menu and what to do when an import or an export fails.

The texts are data here (Chinese msgids, English in the .po) and ``templates/home/help.html``
lays them out; the menu section is read from ``home.navigation.MENUS`` so it names exactly
the entries that role has."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.policy import role_of

from .navigation import HELP, MENUS

CM, MM, BM, ADMIN = Role.CUSTOMER_MANAGER, Role.MARKET_MANAGER, Role.BRAND_MANAGER, Role.ADMIN
ROLES: tuple[Role, ...] = (CM, MM, BM, ADMIN)


@dataclass(frozen=True)
class Moment:
    """A point of the month: when, and what happens or is to be done then."""

    when: Promise
    what: Promise


@dataclass(frozen=True)
class StepHelp:
    number: int
    name: Promise
    when: Promise
    system: Promise  # what the system does in this step
    by_role: dict[str, Promise]  # what each role does


@dataclass(frozen=True)
class Mark:
    mark: str
    name: Promise
    meaning: Promise


@dataclass(frozen=True)
class Approval:
    what: Promise
    submitted_by: Promise
    decided_by: Promise
    where: Promise


@dataclass(frozen=True)
class Trouble:
    problem: Promise
    remedy: Promise


# --- the month, as each role lives it -----------------------------------------------------

MONTH: dict[str, list[Moment]] = {
    CM: [
        Moment(
            _("每月1日凌晨"),
            _(
                "系统自动计算上月的指标（销量、重点品牌覆盖率、需求预测准确率、动作完成率等），"
                "分析页和首页随后显示新数字。"
            ),
        ),
        Moment(
            _("月初头几个工作日"),
            _("分析：打开“分析”，看被预警的客户和每条预警的依据数字，写下“问题与原因”并保存。"),
        ),
        Moment(
            _("分析之后，提交之前"),
            _(
                "计划：打开“月计划”，保存目标和工作重点；点“生成营销动作”，逐条修改、删除"
                "（写原因）或手工添加；填“需求预测”；在“周安排”里把客户排到拜访日；"
                "看过页面底部的计划概要后点“提交审批”。被退回时按意见修改，再提交。"
            ),
        ),
        Moment(
            _("计划批准后，每个工作日"),
            _(
                "实施：打开“今日拜访”，打印拜访单；到店后进入“拜访记录”签到，做完的动作点"
                "“★ 完成”，检查陈列、库存和零售价，记市场信息和日感受，离店前签离"
                "（签到到签离满 1 分钟才算有效拜访）。"
            ),
        ),
        Moment(
            _("每周最后一天"),
            _("在“周安排”页写本周小结：做了什么、效果如何、下周怎么改。"),
        ),
        Moment(
            _("月末到下月初"),
            _(
                "评估与改进：在首页的五步进度条点“评估”，看计划与结果，写月总结和改进事项，"
                "然后点“提交审核”。月末之前提交，本月就不能再记录拜访和标注了。"
            ),
        ),
        Moment(
            _("下个月"),
            _(
                "上月没完成的动作（☆、●）在点“生成营销动作”时自动带入；没有反馈的工作安排"
                "继续流转；未完成的改进事项显示在分析页上。"
            ),
        ),
    ],
    MM: [
        Moment(
            _("每月1日凌晨"),
            _(
                "系统自动计算上月的指标。数据补录后需要更新时，在“分析”页点“重新计算”"
                "（只排队，页面显示进度）。"
            ),
        ),
        Moment(
            _("月初"),
            _(
                "在“分析”页并排查看团队里的每位客户经理；在“预测指导”里找出准确率低、"
                "偏差大的人写指导意见；需要时在“三员互动”里给客户经理下工作安排"
                "（安排到月计划或周计划）。"
            ),
        ),
        Moment(
            _("客户经理提交计划后"),
            _(
                "在“计划审批”点“审阅”，看计划概要和营销动作，批准，或写明意见后退回。"
                "批准后，客户的拜访频率按计划拜访的天数自动更新。"
            ),
        ),
        Moment(
            _("月中，每周"),
            _(
                "在“团队看板”看每人的五步进度和等您审批的事项；在“拜访稽核”查有效拜访、"
                "不足 1 分钟的拜访、没有拜访的客户和超出每日上限的日子。"
            ),
        ),
        Moment(
            _("月末到下月初"),
            _(
                "审核月度评估（服务结果）：从“计划审批”或团队看板的“待我审批”进入，"
                "通过，或写明意见后退回；在同一页逐条同意或退回改进事项。"
            ),
        ),
        Moment(
            _("下月初"),
            _("在“团队看板”看上月的横向对比与排名，对落后的客户经理给予指导。"),
        ),
    ],
    BM: [
        Moment(
            _("月初之前"),
            _(
                "维护“品类结构”（品类树，把单品归到末级节点）、“单品”的重点品牌标记和焦油含量，"
                "以及“品牌”。新导入的单品要先归类。"
            ),
        ),
        Moment(
            _("每月1日凌晨"),
            _(
                "系统自动计算上月的指标；在“分析”里看全公司按品牌、单品的各项比率和趋势，"
                "以及各团队的对比。"
            ),
        ),
        Moment(
            _("月初，客户经理制定计划时"),
            _(
                "在“品牌培育”选重点单品和目标客户（商圈、业态、档位段、市场类型），写任务内容"
                "后发送。每位相关的客户经理收到一条工作安排，列出其名下的目标客户；"
                "他们点“生成营销动作”时，任务进入月计划。"
            ),
        ),
        Moment(
            _("月中"),
            _("在“三员互动”看客户经理对品牌任务的反馈（只显示品牌任务部分）。"),
        ),
        Moment(
            _("月末到下月初"),
            _("在“分析”看重点品牌覆盖率的变化，据此安排下月的培育任务。"),
        ),
    ],
    ADMIN: [
        Moment(
            _("每天或每周"),
            _(
                "在“数据导入”上传订单，以及新增或变更的客户、单品、用户；"
                "先勾选“仅校验，不写入”试一次。"
            ),
        ),
        Moment(
            _("每月1日凌晨 2 点"),
            _(
                "系统自动计算上月的指标（需要后台任务进程和定时任务在运行）。在“分析”页看计算"
                "状态；失败了或补录了数据，点“重新计算”。"
            ),
        ),
        Moment(
            _("月初"),
            _(
                "在“后台管理”维护用户和团队（每个团队一位市场经理）以及策略库"
                "（预警规则的阈值、建议的标准动作）。"
            ),
        ),
        Moment(
            _("月中"),
            _("查看任一团队的“团队看板”和“拜访稽核”。"),
        ),
        Moment(
            _("任何时候"),
            _(
                "计划和评估只能由本团队的市场经理审批，管理员不代为审批；"
                "在后台修改客户或单品，会记入其变更记录（谁、何时、来源、旧值→新值）。"
            ),
        ),
    ],
}

# --- the five steps ---------------------------------------------------------------------

STEPS: list[StepHelp] = [
    StepHelp(
        1,
        _("分析"),
        _("每月初"),
        _(
            "每月1日算出上月的客户、品牌、市场状态，按策略库的预警规则标出有问题的客户"
            "（如成长指数低于同类客户、大客户销量下滑、重点规格未上柜、库存偏高、零售价高于"
            "建议零售价、需求预测偏差、当月未拜访），每条都给出依据数字和建议的标准动作。"
        ),
        {
            CM: _("查看预警，写“问题与原因”。"),
            MM: _("并排比较团队成员，进入个人的分析页。"),
            BM: _("看全公司按品牌、单品的状态。"),
            ADMIN: _("保证订单等数据按时导入、指标按时算出。"),
        },
    ),
    StepHelp(
        2,
        _("计划"),
        _("月初"),
        _(
            "点“生成营销动作”时，从上月预警（经策略库）、上月未完成的动作和三员互动里的"
            "工作安排生成本月的动作，每条标明来源；周安排每天超过约 30 户（农网约 25 户）"
            "时提醒；空计划不能提交。"
        ),
        {
            CM: _("定目标和工作重点，修改动作，填需求预测，排周安排，提交审批。"),
            MM: _(
                "审阅后批准或退回。批准后客户的拜访频率按计划拜访天数更新："
                "4 天及以上为每周，2–3 天为双周，1 天为每月。"
            ),
            BM: _("发送品牌培育任务，它作为工作安排进入客户经理的计划。"),
            ADMIN: _("维护策略库：预警规则和标准动作。"),
        },
    ),
    StepHelp(
        3,
        _("实施"),
        _("计划批准后，每天"),
        _(
            "每天列出要拜访的客户（按周安排；没有安排的，按拜访频率到期的），"
            "拜访单按路线排好并列出每户的动作。"
        ),
        {
            CM: _(
                "拜访、签到和签离，做完的动作标 ★，记录检查、市场信息和日感受；"
                "计划外的需求记为临时任务 ●。"
            ),
            MM: _("在团队看板和拜访稽核里跟进，在三员互动里指导。"),
            BM: _("在三员互动里看品牌任务的反馈。"),
            ADMIN: _("按时导入订单。"),
        },
    ),
    StepHelp(
        4,
        _("评估"),
        _("每周末和月末"),
        _("月末算出计划与结果：计划动作完成率、有效拜访/计划拜访、目标达成、需求预测准确率。"),
        {
            CM: _("每周写周小结，月末写月总结，提交服务结果审核。"),
            MM: _("审核月度评估：通过，或写明意见后退回。"),
            BM: _("看重点品牌覆盖率和培育任务的效果。"),
            ADMIN: _("查看各团队的排名和拜访稽核。"),
        },
    ),
    StepHelp(
        5,
        _("改进"),
        _("评估之后"),
        _("未完成的改进事项显示在下月的分析页上；未完成的动作带入下月的计划。"),
        {
            CM: _("写改进事项（类别、客户或单品、完成期限），做完后标记完成。"),
            MM: _("逐条同意或退回改进事项。"),
            BM: _("据此调整下月的培育任务和重点品牌。"),
            ADMIN: _("按各团队的反馈调整策略库的阈值和标准动作。"),
        },
    ),
]

# --- the marks --------------------------------------------------------------------------

ACTION_MARKS: list[Mark] = [
    Mark("☆", _("计划"), _("月计划里的营销动作，还没有完成。")),
    Mark(
        "●",
        _("临时任务"),
        _("拜访时发现、计划外的需求，还没有完成；不计入计划动作的完成率。"),
    ),
    Mark("★", _("已完成"), _("在拜访记录里点了“★ 完成”的动作（计划的或临时的）。")),
]

OTHER_MARKS: list[Mark] = [
    Mark("★", _("重点"), _("在单品和品牌页上，表示重点品牌（与动作的 ★ 无关）。")),
    Mark(
        "● ◐ ○",
        _("五步进度"),
        _("团队看板的打印版上：已完成、进行中、未开始；页面上分别为绿色、黄色、灰色。"),
    ),
]

# --- who approves what ------------------------------------------------------------------

APPROVALS: list[Approval] = [
    Approval(
        _("月计划"),
        _("客户经理"),
        _("本团队的市场经理：批准或退回（写明意见）"),
        _("计划审批 → 审阅"),
    ),
    Approval(
        _("月度评估（服务结果）"),
        _("客户经理"),
        _("本团队的市场经理：通过或退回（退回时必须写意见）"),
        _("计划审批，或团队看板的“待我审批”"),
    ),
    Approval(
        _("改进事项"),
        _("客户经理"),
        _("本团队的市场经理：逐条同意或退回"),
        _("月度评估页的“改进事项”"),
    ),
    Approval(
        _("工作安排、指导意见"),
        _("市场经理"),
        _("不需要审批；客户经理在三员互动里反馈，没反馈的安排每月继续流转"),
        _("三员互动"),
    ),
    Approval(
        _("品牌培育任务"),
        _("品牌经理"),
        _("不需要审批；作为工作安排发给有目标客户的客户经理"),
        _("品牌培育"),
    ),
]

APPROVAL_RULES: list[Promise] = [
    _("谁也不能审批自己的工作；管理员不代市场经理审批。"),
    _("退回的计划或评估可以修改后重新提交；已提交的在审批前不能修改。"),
    _("批准后的计划只读；通过的评估让本月结果只读。"),
    _("每次提交、批准、退回都记入历史，并在三员互动里通知对方。"),
]

# --- the menu ---------------------------------------------------------------------------

MENU_NOTES: dict[str, Promise] = {
    "accounts:home": _("本月概况和常用数字。"),
    "reports:home": _("月初分析：指标、预警、重点品牌和市场状态，以及相应的 Excel 下载。"),
    "reports:annual": _(
        "年度品牌评价：选年份，看重点品牌和单品 12 个月的五率与量价、全年值、同比和排名，"
        "以及各商圈、业态的品牌覆盖（强、弱、空白）；可导出 Excel、打印 PDF。"
    ),
    "plans:home": _(
        "本月计划：目标、营销动作、计划概要和提交审批；页内进入需求预测、周安排（写周小结）、"
        "任务执行标注表和打印 PDF。"
    ),
    "visits:today": _(
        "当天要拜访的客户，打印拜访单（当天或整周），进入每户的拜访记录；可以翻到其他日期。"
    ),
    "feed:index": _("指导意见、工作安排、反馈和审批通知；数字为未读条数。"),
    "customers:list": _("客户列表：筛选、点列标题排序、导出 Excel；点客户编码看客户详情。"),
    "brands:sku_list": _("单品目录：价类、价格、是否重点品牌。"),
    "team:board": _(
        "每位客户经理的五步进度、待我审批的事项、上月的横向对比与排名；可导出 Excel、打印 PDF。"
    ),
    "plans:queue": _("待审批的月计划和月度评估，以及最近审批过的计划。"),
    "strategy:library": _(
        "每条预警规则和标准动作近 6 个月的预警数、计划和完成的动作，以及动作的实测效果"
        "（与同类未做该动作的预警客户相比，90% 区间）；点列标题排序。"
    ),
    "plans:guidance": _(
        "团队每人的需求预测准确率、偏差和覆盖率，低的标红；写指导意见发到三员互动。"
    ),
    "visits:audit": _("某月每人的有效拜访、不足 1 分钟的拜访、没有拜访的客户和每日拜访量。"),
    "brand_tasks:list": _("选重点单品和目标客户，发送培育任务；看已发送的任务和反馈。"),
    "brands:categories": _(
        "品类结构树：增加、改名、移动、排序；在“维护品类单品”里把单品挂到末级节点。"
    ),
    "brands:brand_list": _("各品牌及其单品，重点单品数。"),
    "imports:upload": _(
        "上传用户、客户、单品、订单、需求预测和客户满意度文件；每类的列名和模板；导入记录。"
    ),
    "admin:index": _("后台管理：用户、团队、策略库（预警规则、标准动作）、各类变更记录。"),
    "surveys:overview": _(
        "客户满意度：满意率（总体满意 4 分及以上的占比）、各维度平均分和最弱维度、"
        "各调查期的趋势，可导出 Excel。"
    ),
    "accounts:help": _("本说明。"),
}

MENU_NOTES_BY_ROLE: dict[tuple[str, str], Promise] = {
    (CM, "accounts:home"): _(
        "本月五步进度条：点各步进入分析、月计划、今日拜访、月度评估和改进事项。"
    ),
    (CM, "customers:list"): _(
        "您名下的客户：筛选、点列标题排序、导出 Excel；在客户详情里点“修改资料”维护拜访方式等。"
    ),
    (CM, "brands:sku_list"): _("单品目录（只读）：价类、价格、是否重点品牌。"),
    (MM, "reports:home"): _("团队分析：每位客户经理并排，可进入个人的分析页；需要时点“重新计算”。"),
    (MM, "customers:list"): _("团队的客户，可按客户经理筛选（只读）。"),
    (MM, "brands:sku_list"): _("单品目录（只读）：价类、价格、是否重点品牌。"),
    (BM, "reports:home"): _("全公司按品牌和单品的分析，以及各团队的对比。"),
    (BM, "customers:list"): _("全部客户（只读），用来确定培育对象。"),
    (BM, "brands:sku_list"): _("单品：筛选，批量标为重点品牌，修改焦油含量等属性。"),
    (ADMIN, "reports:home"): _("全公司的分析、指标计算状态和“重新计算”。"),
    (ADMIN, "customers:list"): _("全部客户（只读；修改在后台管理里进行，记入变更记录）。"),
    (ADMIN, "brands:sku_list"): _("单品：筛选，批量标为重点品牌，修改属性。"),
    (ADMIN, "visits:audit"): _("任一团队某月的拜访稽核。"),
    (ADMIN, "team:board"): _("任一团队的五步进度和排名。"),
    (MM, "surveys:overview"): _(
        "团队和每位客户经理的满意度排名；“电话回访”列出本期随机抽取的团队客户，致电后录入评分。"
    ),
    (ADMIN, "surveys:overview"): _(
        "全公司和各团队的满意度；调查期和维度在后台管理里维护，第三方调查结果在数据导入里上传。"
    ),
}

# --- when an import or an export fails ---------------------------------------------------

_EXPORT = Trouble(
    _("导出失败或很慢"),
    _(
        "数据少的导出直接下载。数据多时（如客户列表）转到导出页，在后台生成，页面自动刷新，"
        "可以先离开，稍后回到同一页下载；文件只有本人能下载，保留几天。显示“失败”时页面写明"
        "原因；“后台进程中断”时重新导出即可。一直“排队中”不动，请联系系统管理员。"
    ),
)
_REFUSED = Trouble(
    _("保存时提示不能修改"),
    _(
        "计划或评估已提交、已批准时，服务器拒绝修改并写明原因。刷新页面看当前状态；"
        "需要修改请让市场经理退回。"
    ),
)

TROUBLES: dict[str, list[Trouble]] = {
    CM: [
        Trouble(
            _("需求预测导入失败"),
            _(
                "文件里有一处错误，整份都不导入，页面列出每处错误的行号和原因；改正后重新导入。"
                "最稳妥：先在需求预测页点“导出 Excel”，在这份文件里填数再导入（列为客户编码、"
                "预测量；“月份”列可以不要，要有就必须是计划月份）。计划已提交或已批准时不能导入。"
            ),
        ),
        _EXPORT,
        _REFUSED,
    ],
    MM: [
        _EXPORT,
        Trouble(
            _("重新计算失败"),
            _(
                "分析页显示计算状态和错误原因；上一次算好的结果保持不变。"
                "请把错误告诉系统管理员，数据修正后再点“重新计算”。"
            ),
        ),
        _REFUSED,
    ],
    BM: [
        _EXPORT,
        Trouble(
            _("新单品不在品类结构里"),
            _(
                "单品由系统管理员导入；导入后在“品类结构”的“维护品类单品”里把它挂到末级节点。"
                "挂到非末级节点、移动成循环、删除还有子节点或单品的节点，都会被拒绝并说明原因。"
            ),
        ),
        Trouble(
            _("单品导入有误"),
            _(
                "请把文件和导入结果页交给系统管理员；管理员改正后重新导入，同一文件重复导入不会重复写入。"
            ),
        ),
    ],
    ADMIN: [
        Trouble(
            _("导入被拒绝（有错误行）"),
            _(
                "整个文件一行都没有写入。导入结果页列出每处错误的行号、原因、列与值（只显示前面"
                "若干处，并给出总数）。改正后重新上传；可以先勾选“仅校验，不写入”。"
                "同一文件重复导入不会重复写入，可以放心重试。"
            ),
        ),
        Trouble(
            _("列名不对或不知道填什么"),
            _(
                "数据导入页列出每类数据可用的英文和中文列名、哪些必填；下载模板可得到中文列名、"
                "一行示例和可选值说明。"
            ),
        ),
        Trouble(
            _("一直“排队中”，或“后台进程中断”"),
            _(
                "“排队中”不动：后台任务进程没有运行，启动后会接着处理。“后台进程中断”：任务已记为"
                "失败，重新上传即可。也可以在服务器上用命令导入：manage.py import_data 类型 文件"
                " --dry-run，错误逐行打印。"
            ),
        ),
        Trouble(
            _("指标计算失败"),
            _(
                "分析页显示计算状态和错误原因，上一次的结果保持不变；补齐数据后点“重新计算”，"
                "或运行 manage.py compute_indicators --month YYYY-MM。"
            ),
        ),
        _EXPORT,
    ],
}


# --- the page ---------------------------------------------------------------------------


def _menu(role: str, *, linked: bool, staff: bool) -> list[dict]:
    items = []
    for item in MENUS[role]:
        if item is HELP:
            continue
        note = MENU_NOTES_BY_ROLE.get((role, item.url_name)) or MENU_NOTES[item.url_name]
        show_link = linked and not (item.staff_only and not staff)
        url = reverse(item.url_name) if show_link else ""
        items.append({"label": item.label, "note": note, "url": url})
    return items


def help_page(*, user, role: str = "") -> dict:
    """The help page for ``role`` (one of ``ROLES``' values; otherwise the user's own role,
    or the customer manager's for a user without one). Menu entries link only on the
    user's own role's page: other roles' pages may not be open to them."""
    own = role_of(user)
    shown = Role(role) if role in Role.values else own or CM
    return {
        "role": shown,
        "own_role": own,
        "tabs": [
            {
                "role": r,
                "label": r.label,
                "url": f"{reverse('accounts:help')}?role={r.value}",
                "current": r == shown,
                "own": r == own,
            }
            for r in ROLES
        ],
        "month": MONTH[shown],
        "steps": [{"step": step, "role_does": step.by_role[shown]} for step in STEPS],
        "action_marks": ACTION_MARKS,
        "other_marks": OTHER_MARKS,
        "approvals": APPROVALS,
        "approval_rules": APPROVAL_RULES,
        "menu": _menu(shown, linked=shown == own, staff=bool(user.is_staff)),
        "troubles": TROUBLES[shown],
    }
