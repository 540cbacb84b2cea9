"""Replace Wagtail's placeholder root page with our HomePage and point the site at it."""

from django.db import migrations

HEADLINE = "物业超市：让每个小区都有人管，让物业服务质价相符"
INTRO = (
    "<p>物业超市是区住房和城乡建设委员会为无物业管理小区（三无小区）搭建的物业服务选聘平台。"
    "业委会或物管会可以在这里浏览经过审核的物业企业，先试用（先尝后买）再由业主表决聘用；"
    "服务质量决定收费等级；任何小区出现服务断档，都由区属国企兜底接管。</p>"
)
HOW = (
    "<ol><li>住建委审核物业企业，发布分级收费标准。</li>"
    "<li>物业企业发布服务方案，经住建委审核后上架。</li>"
    "<li>业委会申请试用服务，试用期满召开业主大会表决。</li>"
    "<li>签订合同、备案；居民按月评价，按季度考评，质价相符。</li>"
    "<li>服务失败或无人接管的小区，由国企兜底并有序交接。</li></ol>"
)


def create_homepage(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    Locale = apps.get_model("wagtailcore.Locale")
    HomePage = apps.get_model("cms.HomePage")

    Page.objects.filter(id=2, slug="home").delete()
    content_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="cms")
    locale = Locale.objects.order_by("pk").first()
    home = HomePage.objects.create(
        title="物业超市", draft_title="物业超市", slug="home", content_type=content_type,
        path="00010001", depth=2, numchild=0, url_path="/home/", locale=locale,
        headline=HEADLINE, intro=INTRO, how_it_works=HOW,
    )
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "root_page": home, "site_name": "物业超市"},
    )


def remove_homepage(apps, schema_editor):
    apps.get_model("cms.HomePage").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_initial"),
        ("wagtailcore", "0001_initial"),
    ]
    operations = [migrations.RunPython(create_homepage, remove_homepage)]
